import { prisma } from "./lib/prisma.js";

export async function usersWithOrders() {
  const users = await prisma.user.findMany({
    where: { isActive: true },
    include: { orders: true },
  });
  return users;
}
