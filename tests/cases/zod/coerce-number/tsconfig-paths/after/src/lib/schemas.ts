import { z } from "zod";

export const SearchParams = z.object({ page: z.coerce.number() });
export const CheckoutBody = z.object({ cents: z.coerce.number() });
