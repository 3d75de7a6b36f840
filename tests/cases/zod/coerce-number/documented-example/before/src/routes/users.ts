import express from "express";
import { z } from "zod";

export const router = express.Router();

const ListUsersQuery = z.object({
  page: z.number().int().min(1).default(1),
  minAge: z.number({ message: "minAge must be a number" }).int().optional(),
});

router.get("/users", (req, res) => {
  const { page, minAge } = ListUsersQuery.parse(req.query);
  res.json({ page, minAge });
});
