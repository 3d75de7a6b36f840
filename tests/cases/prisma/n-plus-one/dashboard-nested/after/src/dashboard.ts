import { Router } from "express";

import { prisma } from "./lib/prisma";

export const dashboardRouter = Router();

// Users -> orders -> items: 1 + N + N*M queries.
dashboardRouter.get("/", async (req, res) => {
  const since = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
  const users = await prisma.user.findMany({
    where: { createdAt: { gte: since } },
    include: { orders: { include: { items: true } } },
  });
  const rows = [];
  for (const user of users) {
    const orders = user.orders;
    const ordersWithItems = orders;
    rows.push({ ...user, orders: ordersWithItems });
  }
  res.json({ users: rows });
});

// The same data through Promise.all: the whole map goes.
dashboardRouter.get("/mapped", async (_req, res) => {
  const users = await prisma.user.findMany({
    include: { orders: { orderBy: { placedAt: "desc" } } },
  });
  const rows = users;
  res.json(rows);
});

// The relation is already loaded: walking `user.orders` and querying items per order.
dashboardRouter.get("/items", async (_req, res) => {
  const users = await prisma.user.findMany({ include: { orders: { include: { items: true } } } });
  res.json(users);
});
