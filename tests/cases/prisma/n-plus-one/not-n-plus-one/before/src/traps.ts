import type { User } from "./generated/prisma/client";
import { prisma } from "./lib/prisma";

// A retry loop: the same query again, not once per row.
export async function findWithRetry(id: number) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await prisma.user.findUnique({ where: { id } });
    } catch (error) {
      if (attempt === 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
  return null;
}

// Cursor pagination: each page depends on the previous one, not on a row of a collection.
export async function allOrders() {
  const all = [];
  let cursor: number | undefined;
  while (true) {
    const page = await prisma.order.findMany({
      take: 100,
      ...(cursor === undefined ? {} : { skip: 1, cursor: { id: cursor } }),
      orderBy: { id: "asc" },
    });
    all.push(...page);
    if (page.length < 100) break;
    cursor = page[page.length - 1].id;
  }
  return all;
}

// A fixed list of constants.
const STATUSES = ["PENDING", "PAID", "SHIPPED"] as const;

export async function countsByStatus() {
  const counts: Record<string, number> = {};
  for (const status of STATUSES) {
    counts[status] = await prisma.order.count({ where: { status } });
  }
  for (const status of ["CANCELLED", "REFUNDED"]) {
    counts[status] = await prisma.order.count({ where: { status } });
  }
  return counts;
}

// Prisma batches findUnique calls made in the same tick into one query.
export async function usersByIds(ids: number[]) {
  return Promise.all(ids.map((id) => prisma.user.findUnique({ where: { id } })));
}

export async function profiles(users: User[]) {
  return Promise.all(users.map(async (user) => ({ ...user, profile: await prisma.profile.findUnique({ where: { userId: user.id } }) })));
}

// The query does not use the row.
export async function withSettings(users: User[]) {
  for (const user of users) {
    const config = await prisma.product.findFirst({ where: { sku: "CONFIG" } });
    console.info(user.id, config?.stock);
  }
}

// A stream of rows read one at a time on purpose.
export async function drain(stream: AsyncIterable<{ id: number }>) {
  for await (const row of stream) {
    await prisma.order.findMany({ where: { userId: row.id } });
  }
}

// Not Prisma: an API client with the same method names, and `orders` is no model.
type Api = { orders: { findMany(args: { where: { userId: number } }): Promise<unknown[]> } };

export async function remoteOrders(api: Api, users: User[]) {
  for (const user of users) {
    await api.orders.findMany({ where: { userId: user.id } });
  }
}

// Each row's failure is handled on its own: no batch can do that.
export async function importSkus(lines: { sku: string; stock: number }[]) {
  const failed: string[] = [];
  for (const line of lines) {
    try {
      await prisma.product.upsert({ where: { sku: line.sku }, create: line, update: { stock: line.stock } });
    } catch {
      failed.push(line.sku);
    }
  }
  return failed;
}

// Same names, not Prisma: a Map per model (`order` is a model), whose delete takes a key.
export function evict(cache: { order: Map<number, unknown> }, orders: { id: number }[]) {
  for (const order of orders) {
    cache.order.delete(order.id);
  }
}
