import express from "express";
import { z } from "zod";

const router = express.Router();

const SearchQuery = z.object({
  page: z.number().int().positive(),
  limit: z.number({ message: "limit must be a number" }).int().max(100).default(20),
  minPrice: z.number({ required_error: "minPrice is required" }).optional(),
  maxPrice: z
    .number()
    .nonnegative()
    .optional(),
  ids: z.array(z.number().int()).optional(),
  offset: z.optional(z.number().int()),
  key: z.union([z.number().int(), z.string()]),
  range: z.object({
    from: z.number(),
    to: z.number().optional(),
  }),
  "page-size": z.number().default(10),
  cursor: z.bigint().optional(),
  sort: z.string().optional(),
});

router.get("/search", (req, res) => {
  const query = SearchQuery.parse(req.query);
  res.json({ page: query.page });
});

export default router;
