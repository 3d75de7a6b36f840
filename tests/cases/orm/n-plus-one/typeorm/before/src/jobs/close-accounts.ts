import { AppDataSource } from "../data-source";
import { Order } from "../entities/order.entity";
import { Profile } from "../entities/profile.entity";
import { User } from "../entities/user.entity";

const users = AppDataSource.getRepository(User);
const orders = AppDataSource.getRepository(Order);

export async function closeAccounts(ids: number[]) {
  const closing = await users.findBy({ email: "closed@example.com" });
  // One UPDATE per row, the same values each time: one update with In(ids).
  for (const user of closing) {
    await users.update(user.id, { email: "" });
  }
  // One DELETE per row: delete takes the ids.
  await Promise.all(closing.map((user) => orders.delete({ customerId: user.id })));
  // One INSERT per row: save takes an array.
  for (const id of ids) {
    await AppDataSource.getRepository(Profile).save({ userId: id });
  }
  // Values computed per row: reported, no batch call to suggest.
  for (const order of await orders.find()) {
    await orders.update(order.id, { status: order.status.toUpperCase() });
  }
}

export async function archive(list: User[]) {
  // `create` builds entities in memory (no finding); saving them one by one is a write per row.
  const copies = list.map((user) => users.create({ email: user.email }));
  for (const copy of copies) {
    await users.save(copy);
  }
}
