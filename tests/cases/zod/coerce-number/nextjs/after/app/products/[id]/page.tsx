import { z } from "zod";

const ProductParams = z.object({ id: z.coerce.number().int() });

export default async function ProductPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = ProductParams.parse(await params);
  return <h1>Product {id}</h1>;
}
