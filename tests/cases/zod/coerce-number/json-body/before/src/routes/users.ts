import express from "express";
import { z } from "zod";

export const router = express.Router();

const CreateUser = z.object({
  name: z.string(),
  age: z.number().int().positive(),
});

router.post("/users", (req, res) => {
  const user = CreateUser.parse(req.body);
  res.status(201).json(user);
});
