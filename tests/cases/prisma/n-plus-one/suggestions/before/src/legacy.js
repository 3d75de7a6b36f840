import { prisma } from "./lib/prisma.js";

export async function itemsOf(orders) {
  for (const order of orders) {
    order.items = await prisma.orderItem.findMany({ where: { orderId: order.id } });
  }
  return orders;
}
