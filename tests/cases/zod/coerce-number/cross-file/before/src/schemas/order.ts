import { z } from "zod";

export const OrderQuery = z.object({ minTotal: z.number() });
