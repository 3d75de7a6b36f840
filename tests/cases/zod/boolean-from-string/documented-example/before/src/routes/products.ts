import express from "express";
import { z } from "zod";

export const router = express.Router();

const ListProductsQuery = z.object({
  inStock: z.boolean().optional(),
});

router.get("/products", (req, res) => {
  const { inStock } = ListProductsQuery.parse(req.query);
  res.json({ inStock });
});
