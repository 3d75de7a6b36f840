import { SearchParams } from "@/lib/schemas";
import { CheckoutBody } from "lib/schemas";

export async function GET(request: Request) {
  const url = new URL(request.url);
  const query = SearchParams.parse(Object.fromEntries(url.searchParams));
  return Response.json(query);
}

export async function POST(request: Request) {
  const body = CheckoutBody.parse(await request.json());
  return Response.json(body);
}
