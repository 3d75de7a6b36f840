import { z } from "zod";

const Env = z.object({
  NODE_ENV: z.enum(["development", "production"]).default("development"),
  PORT: z.coerce.number().int().default(3000),
  POOL_SIZE: z.coerce.number().min(1).max(50),
});

export const env = Env.parse(process.env);

export const limits = z.object({ MAX_UPLOAD_MB: z.coerce.number().default(5) }).parse(process.env);

const Timeouts = z.object({ ms: z.coerce.number() });
export const timeouts = Timeouts.parse({ ms: process.env.TIMEOUT_MS });
