import { z } from "zod";

export const NsQuery = z.object({ limit: z.coerce.number() });
export const NsBody = z.object({ weight: z.coerce.number() });
