import type { Request } from "express";
import * as zod from "zod";

const Query = zod.object({
  page: zod.number(),
  size: zod.z.number().int(),
  label: zod.z.string(),
});

export function list(req: Request) {
  const { page, size } = Query.parse(req.query);
  return { page, size };
}
