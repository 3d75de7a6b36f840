import type { Request } from "express";
import { z } from "zod";

interface Axis {
  number(): number;
}

export function pick(z: Axis): number {
  return z.number();
}

export function other(req: Request): number {
  const z = { number: () => Number(req.query.n) };
  return z.number();
}

const Query = z.object({ name: z.string() });

export function list(req: Request) {
  return Query.parse(req.query);
}
