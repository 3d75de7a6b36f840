import type { User } from "./generated/prisma/client";
import { prisma } from "./lib/prisma";

type Line = { productId: number; quantity: number };

export async function reserve(lines: Line[]) {
  for (const line of lines) {
    await prisma.product.update({ where: { id: line.productId }, data: { stock: { decrement: line.quantity } } });
  }
}

export async function openOrders(users: User[]) {
  for (const user of users) {
    await prisma.order.create({ data: { userId: user.id, status: "PENDING" } });
  }
}

export async function deactivate(users: User[]) {
  for (const user of users) {
    await prisma.user.update({ where: { id: user.id }, data: { isActive: false } });
  }
}

export async function purge(users: User[]) {
  await Promise.all(users.map((user) => prisma.user.delete({ where: { id: user.id } })));
}

export async function upsertProfiles(users: User[]) {
  for (const user of users) {
    await prisma.profile.upsert({
      where: { userId: user.id },
      create: { userId: user.id, bio: "" },
      update: {},
    });
  }
}

// Inside an interactive transaction: `tx` has no `$transaction`, updateMany still works.
export async function closeAll(users: User[]) {
  await prisma.$transaction(async (tx) => {
    for (const user of users) {
      await tx.order.updateMany({ where: { userId: user.id }, data: { status: "CLOSED" } });
      await tx.user.update({ where: { id: user.id }, data: { isActive: false } });
    }
  });
}
