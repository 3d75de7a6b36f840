import express from "express";
import { z } from "zod";

const router = express.Router();

const SearchQuery = z.object({
  page: z.coerce.number().int().positive(),
  limit: z.coerce.number({ message: "limit must be a number" }).int().max(100).default(20),
  minPrice: z.coerce.number({ required_error: "minPrice is required" }).optional(),
  maxPrice: z
    .coerce.number()
    .nonnegative()
    .optional(),
  ids: z.array(z.coerce.number().int()).optional(),
  offset: z.optional(z.coerce.number().int()),
  key: z.union([z.coerce.number().int(), z.string()]),
  range: z.object({
    from: z.coerce.number(),
    to: z.coerce.number().optional(),
  }),
  "page-size": z.coerce.number().default(10),
  cursor: z.coerce.bigint().optional(),
  sort: z.string().optional(),
});

router.get("/search", (req, res) => {
  const query = SearchQuery.parse(req.query);
  res.json({ page: query.page });
});

export default router;
