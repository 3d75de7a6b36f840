import { NextResponse } from "next/server";

export async function GET() {
  try {
    return NextResponse.json(await listOrders());
  } catch (error) {
    return NextResponse.json({ message: "Could not list orders" }, { status: 500 });
  }
}

export async function POST(request: Request) {
  try {
    return Response.json(await createOrder(await request.json()));
  } catch (error) {
    return new Response("failed", { status: 500 });
  }
}

declare function listOrders(): Promise<unknown[]>;
declare function createOrder(body: unknown): Promise<unknown>;
