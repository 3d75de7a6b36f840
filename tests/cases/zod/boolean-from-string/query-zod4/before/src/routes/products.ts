import express from "express";
import { z } from "zod";

export const router = express.Router();

const ProductQuery = z.object({
  inStock: z.boolean().optional(),
  featured: z.boolean({ message: "featured must be true or false" }).default(false),
});

router.get("/products", (req, res) => {
  res.json(ProductQuery.parse(req.query));
});
