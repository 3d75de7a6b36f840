import { z } from "zod";

const OrderBody = z.object({ quantity: z.coerce.number().int().min(1) });

export async function POST(request: Request) {
  const body = OrderBody.parse(await request.json());
  return Response.json({ ok: true, quantity: body.quantity });
}

const RawBody = z.object({ cents: z.coerce.number() });

export async function PUT(request: Request) {
  const raw = await request.json();
  const { cents } = RawBody.parse(raw);
  return Response.json({ cents });
}
