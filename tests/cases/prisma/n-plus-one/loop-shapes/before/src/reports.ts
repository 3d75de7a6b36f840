import { db } from "./db";

// Index loop: attaches every order's items, so the loop goes.
export async function paidOrders() {
  const orders = await db.order.findMany({ where: { status: "PAID" } });
  for (let i = 0; i < orders.length; i++) {
    (orders[i] as any).items = await db.orderItem.findMany({ where: { orderId: orders[i].id } });
  }
  return orders;
}

// While loop over `users[i]` through an alias.
export async function orderTotals() {
  const users = await db.user.findMany();
  const totals: Record<number, number> = {};
  let i = 0;
  while (i < users.length) {
    const user = users[i];
    const orders = await db.order.findMany({ where: { userId: user.id } });
    totals[user.id] = orders.reduce((sum, o) => sum + o.totalCents, 0);
    i++;
  }
  return totals;
}

// forEach never waited for its queries: the fix is unsafe (the data now arrives at once).
export async function withOrders() {
  const users = await db.user.findMany();
  users.forEach(async (user) => {
    (user as any).orders = await db.order.findMany({ where: { userId: user.id } });
  });
  return users;
}

// Promise.all over map: the rows already are what the map built.
export async function activeUsers() {
  const users = await db.user.findMany({ where: { isActive: true } });
  return Promise.all(users.map(async (user) => ({ ...user, orders: await db.order.findMany({ where: { userId: user.id } }) })));
}

// The users are also returned on their own: they would carry `orders` too (unsafe).
export async function usersAndOrders() {
  const users = await db.user.findMany();
  const withOrders = await Promise.all(
    users.map(async (user) => ({ ...user, orders: await db.order.findMany({ where: { userId: user.id } }) })),
  );
  return { users, withOrders };
}

// Reading one field of each row: the rows never leave the loop, so the fix is safe.
export async function emails() {
  const orders = await db.order.findMany({ where: { status: "SHIPPED" } });
  const out: string[] = [];
  for (const order of orders) {
    const buyer = await db.user.findUnique({ where: { id: order.userId } });
    if (buyer) out.push(`${order.id}: ${buyer.email}`);
  }
  return out;
}

// `users` was handed out before the loop: `rows = users` would share one array (unsafe, loop kept).
export async function rememberUsers(seen: unknown[][]) {
  const users = await db.user.findMany();
  seen.push(users);
  const rows = [];
  for (const user of users) {
    const orders = await db.order.findMany({ where: { userId: user.id } });
    rows.push({ ...user, orders });
  }
  return rows;
}
