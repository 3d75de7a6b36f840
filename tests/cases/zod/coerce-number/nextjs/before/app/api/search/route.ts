import { type NextRequest, NextResponse } from "next/server";
import { z } from "zod";

const Search = z.object({ min: z.number() });
const Filters = z.object({ max: z.number() });
const Window = z.object({ days: z.number() });

export async function GET(request: NextRequest) {
  const search = Search.parse(Object.fromEntries(request.nextUrl.searchParams));
  const filters = Filters.parse({ max: request.nextUrl.searchParams.get("max") });
  const { searchParams } = new URL(request.url);
  const window = Window.parse({ days: searchParams.get("days") });
  return NextResponse.json({ search, filters, window });
}
