import { z } from "zod";

const Env = z.object({
  DEBUG: z.boolean().default(false),
  PORT: z.number(),
});

export const env = Env.parse(process.env);
