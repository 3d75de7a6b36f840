import { z } from "zod";

// Exported, imported nowhere.
export const RefundRequest = z.object({
  amountCents: z
    .number({ required_error: "amountCents is required" })
    .int(),
});
