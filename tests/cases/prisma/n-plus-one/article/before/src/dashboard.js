import { prisma } from "./lib/prisma.js";

export async function usersWithOrders() {
  const users = await prisma.user.findMany({ where: { isActive: true } });
  for (const user of users) {
    user.orders = await prisma.order.findMany({ where: { userId: user.id } });
  }
  return users;
}
