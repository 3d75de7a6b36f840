import { z } from "zod";

const PageQuery = z.object({ page: z.number().int().default(1) });

export default async function ProductsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string>>;
}) {
  const { page } = PageQuery.parse(await searchParams);
  return <main>Page {page}</main>;
}
