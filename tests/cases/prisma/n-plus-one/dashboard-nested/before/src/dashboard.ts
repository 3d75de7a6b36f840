import { Router } from "express";

import { prisma } from "./lib/prisma";

export const dashboardRouter = Router();

// Users -> orders -> items: 1 + N + N*M queries.
dashboardRouter.get("/", async (req, res) => {
  const since = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
  const users = await prisma.user.findMany({ where: { createdAt: { gte: since } } });
  const rows = [];
  for (const user of users) {
    const orders = await prisma.order.findMany({ where: { userId: user.id } });
    const ordersWithItems = [];
    for (const order of orders) {
      const items = await prisma.orderItem.findMany({ where: { orderId: order.id } });
      ordersWithItems.push({ ...order, items });
    }
    rows.push({ ...user, orders: ordersWithItems });
  }
  res.json({ users: rows });
});

// The same data through Promise.all: the whole map goes.
dashboardRouter.get("/mapped", async (_req, res) => {
  const users = await prisma.user.findMany();
  const rows = await Promise.all(
    users.map(async (user) => {
      const orders = await prisma.order.findMany({ where: { userId: user.id }, orderBy: { placedAt: "desc" } });
      return { ...user, orders };
    }),
  );
  res.json(rows);
});

// The relation is already loaded: walking `user.orders` and querying items per order.
dashboardRouter.get("/items", async (_req, res) => {
  const users = await prisma.user.findMany({ include: { orders: true } });
  for (const user of users) {
    for (const order of user.orders) {
      (order as any).items = await prisma.orderItem.findMany({ where: { orderId: order.id } });
    }
  }
  res.json(users);
});
