import type { Request } from "express";
import z from "zod";

const Query = z.object({ days: z.number().int() });

export function stats(req: Request) {
  const { days } = Query.parse(req.query);
  return days;
}
