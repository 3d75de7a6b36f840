import { PrismaClient } from "../src/generated/prisma/client";

const prisma = new PrismaClient();

const users = [{ email: "ada@example.com", name: "Ada" }, { email: "alan@example.com", name: "Alan" }];

for (const user of users) {
  const created = await prisma.user.create({ data: user });
  await prisma.order.create({ data: { userId: created.id, totalCents: 100 } });
  await prisma.order.findMany({ where: { userId: created.id } });
}
