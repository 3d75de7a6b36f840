import express from "express";
import { z } from "zod";

export const router = express.Router();

const CreateOrder = z.object({
  deliverAfter: z.date().optional(),
  quantity: z.number(),
});

router.post("/orders", (req, res) => {
  const order = CreateOrder.parse(req.body);
  res.status(201).json(order);
});
