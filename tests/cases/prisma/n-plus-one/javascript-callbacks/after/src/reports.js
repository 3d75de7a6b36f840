import { prisma } from "./lib/prisma.js";

// A parenthesised parameter: in JavaScript it sits directly in `formal_parameters`.
export async function usersWithOrders() {
  const users = await prisma.user.findMany({
    where: { isActive: true },
    include: { orders: true },
  });
  return users;
}

// A bare arrow parameter; forEach never waited for its queries, so the fix is unsafe.
export async function attachOrders() {
  const users = await prisma.user.findMany({ include: { orders: true } });
  return users;
}

// A function expression.
export async function recentOrders() {
  const users = await prisma.user.findMany({
    where: { isActive: true },
    include: { orders: true },
  });
  return users;
}

// A destructured parameter.
export async function orderCounts() {
  const users = await prisma.user.findMany();
  return Promise.all(users.map(async ({ id }) => prisma.order.count({ where: { userId: id } })));
}

// A parameter with a default value.
export async function spending() {
  const users = await prisma.user.findMany();
  const totals = [];
  users.forEach(async (user = {}) => {
    totals.push(await prisma.order.aggregate({ where: { userId: user.id }, _sum: { totalCents: true } }));
  });
  return totals;
}
