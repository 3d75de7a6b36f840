import type { Request } from "express";
import { z } from "zod";

const Stats = z.object({ users: z.number(), orders: z.number() });
export type Stats = z.infer<typeof Stats>;
export type StatsInput = z.input<typeof Stats>;

export function summarize(stats: z.output<typeof Stats>): string {
  return `${stats.users}/${stats.orders}`;
}

const Paging = z.object({ page: z.coerce.number().int() });
export type Paging = z.infer<typeof Paging>;

export function paging(req: Request): Paging {
  return Paging.parse(req.query);
}
