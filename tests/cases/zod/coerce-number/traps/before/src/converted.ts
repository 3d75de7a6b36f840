import type { Request } from "express";
import { z } from "zod";

const Query = z.object({
  page: z.coerce.number().int().min(1),
  limit: z.preprocess((v) => Number(v), z.number().int().max(100)),
  offset: z.preprocess(Number, z.number().int().optional()),
  size: z.string().pipe(z.coerce.number()),
  total: z.string().transform(Number).pipe(z.number().int()),
  since: z.coerce.date(),
  until: z.string().pipe(z.coerce.date()),
  active: z.enum(["true", "false"]).transform((v) => v === "true"),
});

const numberFactory = z.number;

export function list(req: Request) {
  return { query: Query.parse(req.query), numberFactory };
}
