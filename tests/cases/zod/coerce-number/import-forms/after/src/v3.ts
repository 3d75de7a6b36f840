import type { Request } from "express";
import { z } from "zod/v3";

const Params = z.object({ id: z.coerce.number({ invalid_type_error: "id must be a number" }) });

export function show(req: Request) {
  const { id } = Params.parse(req.params);
  return id;
}
