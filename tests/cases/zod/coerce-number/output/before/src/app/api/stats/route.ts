import { NextResponse } from "next/server";
import { z } from "zod";

const Totals = z.object({ orders: z.number(), since: z.date() });

export async function GET() {
  const totals = { orders: 3, since: new Date() };
  return NextResponse.json(Totals.parse(totals));
}
