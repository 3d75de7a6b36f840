import type { Order, User } from "./generated/prisma/client";
import { prisma } from "./lib/prisma";

// The parent query is the caller's: one query for all users, grouped by userId.
export async function attachOrders(users: User[]) {
  const result = [];
  for (const user of users) {
    const orders = await prisma.order.findMany({ where: { userId: user.id, status: "PAID" }, orderBy: { placedAt: "desc" } });
    result.push({ ...user, orders });
  }
  return result;
}

// One user per order, by id.
export async function buyers(orders: Order[]) {
  const out = [];
  for (const order of orders) {
    const buyer = await prisma.user.findUnique({ where: { id: order.userId } });
    out.push({ order: order.id, email: buyer?.email });
  }
  return out;
}

// A list of ids: the ids are the rows.
export async function namesOf(userIds: number[]) {
  const names: string[] = [];
  for (const id of userIds) {
    const user = await prisma.user.findUnique({ where: { id } });
    names.push(user?.name ?? "?");
  }
  return names;
}

// findUniqueOrThrow throws for a missing row; a Map lookup would not: only a hint.
export async function strict(userIds: number[]) {
  for (const id of userIds) {
    await prisma.user.findUniqueOrThrow({ where: { id } });
  }
}

// The latest order of each user: findFirst on a to-many relation.
export async function latest() {
  const users = await prisma.user.findMany();
  const out = [];
  for (const user of users) {
    const last = await prisma.order.findFirst({ where: { userId: user.id }, orderBy: { placedAt: "desc" } });
    out.push({ id: user.id, last: last?.id ?? null });
  }
  return out;
}

// Counting per user of a list that comes from elsewhere.
export async function counts(users: User[]) {
  const out: Record<number, number> = {};
  for (const user of users) {
    out[user.id] = await prisma.order.count({ where: { userId: user.id } });
  }
  return out;
}

// The row is used in more than one place of the query: only a hint.
export async function related(users: User[]) {
  for (const user of users) {
    await prisma.order.findMany({ where: { OR: [{ userId: user.id }, { note: user.email }] } });
  }
}

// `take` applies per user: one query cannot express it.
export async function topThree(users: User[]) {
  for (const user of users) {
    const top = await prisma.order.findMany({ where: { userId: user.id }, orderBy: { totalCents: "desc" }, take: 3 });
    console.info(user.id, top);
  }
}
