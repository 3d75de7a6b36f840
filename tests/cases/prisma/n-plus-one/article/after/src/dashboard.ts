import { prisma } from "./lib/prisma";

// The article's endpoint: 1 + N queries.
export async function usersWithOrders() {
  const users = await prisma.user.findMany({ include: { orders: true } });
  return users;
}
