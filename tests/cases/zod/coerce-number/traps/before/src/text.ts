import type { Request } from "express";
import { z } from "zod";

// age: z.number(),
/* limit: z.number().int(), */
export const HINT = "Send numbers: z.number() does not coerce";
export const TEMPLATE = `z.number() and z.date() and z.boolean()`;

const Query = z.object({
  // count: z.number(),
  name: z.string(),
});

export function list(req: Request) {
  return Query.parse(req.query);
}
