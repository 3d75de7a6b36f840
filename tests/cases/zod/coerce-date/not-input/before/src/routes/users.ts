import express from "express";
import { z } from "zod";

export const router = express.Router();

// Database rows hold real Date objects.
const UserResponse = z.object({ id: z.string(), createdAt: z.date(), deletedAt: z.date().nullable() });
const Range = z.object({ from: z.date(), to: z.date() });
const Typed = z.object({ at: z.date() });
export type Typed = z.infer<typeof Typed>;

const Parsed = z.object({
  since: z.coerce.date(),
  until: z.preprocess((v) => new Date(String(v)), z.date()),
  at: z.string().transform((s) => new Date(s)).pipe(z.date()),
});

router.get("/users/:id", (req, res) => {
  const range = Range.parse({ from: new Date(String(req.query.from)), to: new Date() });
  const parsed = Parsed.parse(req.query);
  res.json(UserResponse.parse({ id: req.params.id, createdAt: range.from, deletedAt: parsed.since }));
});
