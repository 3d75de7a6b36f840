import { Injectable } from "@nestjs/common";

import { db } from "~/server/db";
import type { PrismaService } from "./prisma.service";

// A NestJS service: `this.prisma`.
@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async withOrders() {
    const users = await this.prisma.user.findMany();
    for (const user of users) {
      (user as any).orders = await this.prisma.order.findMany({ where: { userId: user.id } });
    }
    return users;
  }
}

// An imported `db`.
export async function itemsPerOrder() {
  const orders = await db.order.findMany();
  return Promise.all(orders.map(async (order) => ({ ...order, items: await db.orderItem.findMany({ where: { orderId: order.id } }) })));
}

// A client on a context object: recognised by the model name (`order` is a model).
export async function fromContext(ctx: { prisma: typeof db }) {
  const users = await ctx.prisma.user.findMany();
  for (const user of users) {
    (user as any).orders = await ctx.prisma.order.findMany({ where: { userId: user.id } });
  }
  return users;
}

// An interactive transaction's client.
export async function inTransaction() {
  return db.$transaction(async (tx) => {
    const users = await tx.user.findMany({ where: { isActive: true } });
    for (const user of users) {
      (user as any).profile = await tx.profile.findUnique({ where: { userId: user.id } });
    }
    return users;
  });
}
