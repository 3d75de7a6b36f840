import { z } from "zod";

export const ListUsers = z.object({ page: z.number().int() });
export const CreateUser = z.object({ age: z.number().int() });
export const UserOut = z.object({ id: z.number() });
export type UserOut = z.infer<typeof UserOut>;
