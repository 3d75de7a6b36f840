import { prisma } from "./lib/prisma";

type Filter = { status: string; limit: number };

// The per-row query's own filter, order, limit and shape move into the include.
export async function recentOrders(filter: Filter) {
  const users = await prisma.user.findMany({ where: { isActive: true }, orderBy: { name: "asc" } });
  const result = [];
  for (const user of users) {
    const orders = await prisma.order.findMany({
      where: { userId: user.id, status: filter.status },
      orderBy: { placedAt: "desc" },
      take: filter.limit,
      select: { id: true, totalCents: true },
    });
    result.push({ ...user, orders });
  }
  return result;
}

// A to-one relation by foreign key, written with a shorthand key.
export async function buyers() {
  const orders = await prisma.order.findMany({ where: { status: "PAID" } });
  const lines: string[] = [];
  for (const order of orders) {
    const { userId } = order;
    const buyer = await prisma.user.findUnique({ where: { id: userId }, select: { email: true } });
    lines.push(`${order.id} ${buyer?.email}`);
  }
  return lines;
}

// A one-to-one relation from the other side.
export async function bios() {
  const users = await prisma.user.findMany();
  const out = [];
  for (const user of users) {
    const profile = await prisma.profile.findUnique({ where: { userId: user.id } });
    out.push({ name: user.name, bio: profile?.bio ?? "" });
  }
  return out;
}

// Counting per row: `_count` on the parent query.
export async function paidCounts() {
  const users = await prisma.user.findMany({ select: { id: true, name: true } });
  const out = [];
  for (const user of users) {
    const paid = await prisma.order.count({ where: { userId: user.id, status: "PAID" } });
    out.push({ name: user.name, paid });
  }
  return out;
}

// Unsafe (not applied without --unsafe-fixes): `users` is returned too and would carry `orders`.
export async function usersAndTotals() {
  const users = await prisma.user.findMany();
  const totals = new Map<number, number>();
  for (const user of users) {
    const orders = await prisma.order.findMany({ where: { userId: user.id } });
    totals.set(user.id, orders.length);
  }
  return { users, totals };
}
