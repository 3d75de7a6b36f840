import { z } from "zod";

const Env = z.object({
  NODE_ENV: z.enum(["development", "production"]).default("development"),
  PORT: z.number().int().default(3000),
  POOL_SIZE: z.number().min(1).max(50),
});

export const env = Env.parse(process.env);

export const limits = z.object({ MAX_UPLOAD_MB: z.number().default(5) }).parse(process.env);

const Timeouts = z.object({ ms: z.number() });
export const timeouts = Timeouts.parse({ ms: process.env.TIMEOUT_MS });
