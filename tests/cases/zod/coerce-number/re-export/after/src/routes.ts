import express from "express";

import { OrderParams, UserQuery } from "./schemas";
import { SignupForm } from "./schemas/forms";

export const router = express.Router();

router.get("/orders/:orderId", (req, res) => {
  res.json({ params: OrderParams.parse(req.params), query: UserQuery.parse(req.query) });
});

router.post("/signup", (req, res) => {
  res.json(SignupForm.parse(req.body).age);
});
