import { z } from "zod";

export const UserQuery = z.object({ page: z.coerce.number() });
export const UserBody = z.object({ age: z.coerce.number() });
