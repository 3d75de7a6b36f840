import { z } from "zod";

export const NsQuery = z.object({ limit: z.number() });
export const NsBody = z.object({ weight: z.number() });
