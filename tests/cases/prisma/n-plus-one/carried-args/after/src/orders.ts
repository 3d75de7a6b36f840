import { prisma } from "./lib/prisma";

type Filter = { status: string; limit: number };

// The per-row query's own filter, order, limit and shape move into the include.
export async function recentOrders(filter: Filter) {
  const users = await prisma.user.findMany({
    where: { isActive: true },
    orderBy: { name: "asc" },
    include: {
      orders: {
        where: { status: filter.status },
        orderBy: { placedAt: "desc" },
        take: filter.limit,
        select: { id: true, totalCents: true },
      },
    },
  });
  const result = users;
  return result;
}

// A to-one relation by foreign key, written with a shorthand key.
export async function buyers() {
  const orders = await prisma.order.findMany({
    where: { status: "PAID" },
    include: { user: { select: { email: true } } },
  });
  const lines: string[] = [];
  for (const order of orders) {
    const { userId } = order;
    const buyer = order.user;
    lines.push(`${order.id} ${buyer?.email}`);
  }
  return lines;
}

// A one-to-one relation from the other side.
export async function bios() {
  const users = await prisma.user.findMany({ include: { profile: true } });
  const out = [];
  for (const user of users) {
    const profile = user.profile;
    out.push({ name: user.name, bio: profile?.bio ?? "" });
  }
  return out;
}

// Counting per row: `_count` on the parent query.
export async function paidCounts() {
  const users = await prisma.user.findMany({
    select: { id: true, name: true, _count: { select: { orders: { where: { status: "PAID" } } } } },
  });
  const out = [];
  for (const user of users) {
    const paid = user._count.orders;
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
