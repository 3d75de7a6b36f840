import express from "express";
import { z } from "zod";

import { prisma } from "../db";

export const router = express.Router();

const UserResponse = z.object({ id: z.number(), age: z.number().nullable(), createdAt: z.date() });
const Row = z.object({ id: z.number(), total: z.bigint() });
const Stats = z.object({ users: z.number().int(), verified: z.boolean() });
const Listed = z.object({ id: z.number() });

router.get("/users/:id", async (req, res) => {
  const user = await prisma.user.findUnique({ where: { id: String(req.params.id) } });
  res.status(200).json(UserResponse.parse(user));
});

router.get("/stats", async (_req, res) => {
  const stats = await prisma.stats.get();
  res.send(Stats.safeParse(stats).data);
});

router.get("/users", async (_req, res) => {
  const users = await prisma.user.findMany();
  res.json(users.map((u: unknown) => Listed.parse(u)));
});

export async function loadRow(id: string) {
  const row = await prisma.row.find(id);
  return Row.parse(row);
}
