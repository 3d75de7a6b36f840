import type { User } from "./generated/prisma/client";
import { prisma } from "./lib/prisma";

// Writes per row are not reported with `writes = false`; reads still are.
export async function deactivate(users: User[]) {
  for (const user of users) {
    await prisma.user.update({ where: { id: user.id }, data: { isActive: false } });
    const open = await prisma.order.count({ where: { userId: user.id, status: "PENDING" } });
    console.info(user.id, open);
  }
}
