import { prisma } from "./lib/prisma";

// The article's endpoint: 1 + N queries.
export async function usersWithOrders() {
  const users = await prisma.user.findMany();
  for (const user of users) {
    (user as any).orders = await prisma.order.findMany({ where: { userId: user.id } });
  }
  return users;
}
