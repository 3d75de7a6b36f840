// Not Zod.
const z = { date: () => new Date() };
export const today = z.date();
