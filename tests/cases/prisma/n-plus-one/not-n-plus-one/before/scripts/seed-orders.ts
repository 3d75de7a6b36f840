import { prisma } from "../src/lib/prisma";

const users = await prisma.user.findMany();
for (const user of users) {
  await prisma.order.create({ data: { userId: user.id, totalCents: 500 } });
}
