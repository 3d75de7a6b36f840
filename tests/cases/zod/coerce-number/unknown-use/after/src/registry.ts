import { z } from "zod";

import { register } from "./forms";

const Signup = z.object({ age: z.coerce.number() });
register("signup", Signup);

// Declared and never used.
const Draft = z.object({ words: z.coerce.number() });

export function handle(data: unknown) {
  const parsed = Payload.parse(data);
  console.info(parsed.count);
}

const Payload = z.object({ count: z.coerce.number() });
