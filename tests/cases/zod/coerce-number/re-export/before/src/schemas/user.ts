import { z } from "zod";

export const UserQuery = z.object({ page: z.number() });
export const UserBody = z.object({ age: z.number() });
