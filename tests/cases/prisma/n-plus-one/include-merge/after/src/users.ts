import { prisma } from "./lib/prisma";

// An include is already there: the relation joins it.
export async function withProfile() {
  const users = await prisma.user.findMany({ include: { profile: true, orders: true } });
  return users;
}

// With `select`, the relation goes inside the select.
export async function names() {
  const users = await prisma.user.findMany({
    where: { isActive: true },
    select: { id: true, name: true, orders: true },
  });
  const result = users;
  return result;
}

// Already included: the per-row query is redundant.
export async function redundant() {
  const users = await prisma.user.findMany({ include: { orders: true } });
  let count = 0;
  for (const user of users) {
    const orders = user.orders;
    count += orders.length;
  }
  return { users, count };
}

// Already included, but all of them: filtering the include would change `users`.
export async function paidOnly() {
  const users = await prisma.user.findMany({ include: { orders: true } });
  let paid = 0;
  for (const user of users) {
    const orders = await prisma.order.findMany({ where: { userId: user.id, status: "PAID" } });
    paid += orders.length;
  }
  return { users, paid };
}

// Counting per row joins an existing `_count`.
export async function counts() {
  const users = await prisma.user.findMany({
    select: { id: true, _count: { select: { orders: true } } },
  });
  const out = [];
  for (const user of users) {
    const paid = await prisma.order.count({ where: { userId: user.id, status: "PAID" } });
    out.push({ id: user.id, all: user._count.orders, paid });
  }
  return out;
}

// Counting what the parent query already counts: `user._count.orders`.
export async function orderCounts() {
  const users = await prisma.user.findMany({ include: { _count: { select: { orders: true } } } });
  const out: Record<number, number> = {};
  for (const user of users) {
    out[user.id] = user._count.orders;
  }
  return out;
}
