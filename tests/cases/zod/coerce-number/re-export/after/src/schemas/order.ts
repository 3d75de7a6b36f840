import { z } from "zod";

export const Order = z.object({ orderId: z.coerce.number() });
