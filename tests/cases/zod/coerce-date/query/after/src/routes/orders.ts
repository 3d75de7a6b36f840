import express from "express";
import { z } from "zod";

export const router = express.Router();

const OrdersQuery = z.object({
  createdAfter: z.coerce.date().optional(),
  createdBefore: z.coerce.date({ message: "createdBefore must be a date" }).optional(),
  shippedOn: z
    .coerce.date()
    .min(new Date("2020-01-01")),
  days: z.array(z.coerce.date()).optional(),
  page: z.number().optional(),
});

router.get("/orders", (req, res) => {
  res.json(OrdersQuery.parse(req.query));
});
