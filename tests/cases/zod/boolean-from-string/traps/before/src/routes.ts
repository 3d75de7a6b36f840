import express from "express";
import { z } from "zod";

export const router = express.Router();

// active: z.boolean(),
const Query = z.object({
  active: z.enum(["true", "false"]).transform((v) => v === "true"),
  strict: z.preprocess((v) => v === "1", z.boolean()),
  label: z.string().default("z.boolean()"),
});

router.get("/items", (req, res) => {
  res.json(Query.parse(req.query));
});
