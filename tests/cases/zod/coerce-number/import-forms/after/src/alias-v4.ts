import type { Request } from "express";
import { z as v } from "zod/v4";

const Query = v.object({ minPrice: v.coerce.number().nonnegative() });

export function search(req: Request) {
  const query = Query.parse(req.query);
  return query.minPrice;
}
