import { Injectable } from "@nestjs/common";

import { db } from "~/server/db";
import type { PrismaService } from "./prisma.service";

// A NestJS service: `this.prisma`.
@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async withOrders() {
    const users = await this.prisma.user.findMany({ include: { orders: true } });
    return users;
  }
}

// An imported `db`.
export async function itemsPerOrder() {
  const orders = await db.order.findMany({ include: { items: true } });
  return orders;
}

// A client on a context object: recognised by the model name (`order` is a model).
export async function fromContext(ctx: { prisma: typeof db }) {
  const users = await ctx.prisma.user.findMany({ include: { orders: true } });
  return users;
}

// An interactive transaction's client.
export async function inTransaction() {
  return db.$transaction(async (tx) => {
    const users = await tx.user.findMany({ where: { isActive: true }, include: { profile: true } });
    return users;
  });
}
