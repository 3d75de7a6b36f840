import { z } from "zod";

export const SearchParams = z.object({ page: z.number() });
export const CheckoutBody = z.object({ cents: z.number() });
