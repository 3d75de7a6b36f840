import type { FastifyRequest } from "fastify";
import { z } from "zod";

const ItemBody = z.object({ stock: z.coerce.number().int() });

export async function createItem(request: FastifyRequest) {
  const item = ItemBody.parse(request.body);
  return { created: item.stock };
}
