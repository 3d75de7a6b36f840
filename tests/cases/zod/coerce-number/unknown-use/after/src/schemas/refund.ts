import { z } from "zod";

// Exported, imported nowhere.
export const RefundRequest = z.object({
  amountCents: z
    .coerce.number({ required_error: "amountCents is required" })
    .int(),
});
