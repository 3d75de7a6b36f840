import express from "express";
import { z } from "zod";

export const router = express.Router();

const ProductQuery = z.object({ minPrice: z.coerce.number().optional() });
const ProductBody = z.object({ priceCents: z.number().int() });

router.get("/products", (req, res) => {
  res.json(ProductQuery.parse(req.query));
});

router.post("/products", (req, res) => {
  const product = ProductBody.parse(req.body);
  res.status(201).json(product);
});
