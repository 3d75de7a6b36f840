import { db } from "./db";

// Index loop: attaches every order's items, so the loop goes.
export async function paidOrders() {
  const orders = await db.order.findMany({ where: { status: "PAID" }, include: { items: true } });
  return orders;
}

// While loop over `users[i]` through an alias.
export async function orderTotals() {
  const users = await db.user.findMany({ include: { orders: true } });
  const totals: Record<number, number> = {};
  let i = 0;
  while (i < users.length) {
    const user = users[i];
    const orders = user.orders;
    totals[user.id] = orders.reduce((sum, o) => sum + o.totalCents, 0);
    i++;
  }
  return totals;
}

// forEach never waited for its queries: the fix is unsafe (the data now arrives at once).
export async function withOrders() {
  const users = await db.user.findMany({ include: { orders: true } });
  return users;
}

// Promise.all over map: the rows already are what the map built.
export async function activeUsers() {
  const users = await db.user.findMany({ where: { isActive: true }, include: { orders: true } });
  return users;
}

// The users are also returned on their own: they would carry `orders` too (unsafe).
export async function usersAndOrders() {
  const users = await db.user.findMany({ include: { orders: true } });
  const withOrders = await Promise.all(
    users.map(async (user) => ({ ...user, orders: user.orders })),
  );
  return { users, withOrders };
}

// Reading one field of each row: the rows never leave the loop, so the fix is safe.
export async function emails() {
  const orders = await db.order.findMany({ where: { status: "SHIPPED" }, include: { user: true } });
  const out: string[] = [];
  for (const order of orders) {
    const buyer = order.user;
    if (buyer) out.push(`${order.id}: ${buyer.email}`);
  }
  return out;
}

// `users` was handed out before the loop: `rows = users` would share one array (unsafe, loop kept).
export async function rememberUsers(seen: unknown[][]) {
  const users = await db.user.findMany({ include: { orders: true } });
  seen.push(users);
  const rows = [];
  for (const user of users) {
    const orders = user.orders;
    rows.push({ ...user, orders });
  }
  return rows;
}
