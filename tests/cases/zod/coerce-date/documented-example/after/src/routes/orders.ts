import express from "express";
import { z } from "zod";

export const router = express.Router();

const OrdersQuery = z.object({
  createdAfter: z.coerce.date().optional(),
  createdBefore: z.coerce.date().optional(),
});

router.get("/orders", (req, res) => {
  const range = OrdersQuery.parse(req.query);
  res.json(range);
});
