import { DataSource, MoreThan } from "typeorm";
import { Order, OrderStatus } from "./entities/order.entity";

const STATUSES = ["new", "paid", "shipped"] as const;

export async function traps(dataSource: DataSource, users: { id: number; active: boolean }[], id: number) {
  const orderRepository = dataSource.getRepository(Order);

  // Retry loop: the same query until it succeeds, not once per row.
  for (let attempt = 0; attempt < 3; attempt++) {
    const order = await orderRepository.findOneBy({ id });
    if (order) return order;
  }

  // Cursor pagination: each query depends on the previous page, not on a row.
  let cursor = 0;
  while (true) {
    const page = await orderRepository.find({ where: { id: MoreThan(cursor) }, order: { id: "ASC" }, take: 100 });
    if (page.length === 0) break;
    cursor = page[page.length - 1].id;
  }

  // A fixed list of constants: three queries, whatever the data.
  const counts: Record<string, number> = {};
  for (const status of STATUSES) {
    counts[status] = await orderRepository.countBy({ status: status as OrderStatus });
  }
  for (const status of Object.values(OrderStatus)) {
    counts[status] = await orderRepository.count({ where: { status } });
  }

  // A query that does not use the row runs once per row, but is not N+1 by this rule's definition.
  for (const user of users) {
    if (user.active) await orderRepository.find({ where: { status: OrderStatus.PAID } });
  }

  // Array methods that share the ORM's names.
  const orders = await orderRepository.find();
  for (const user of users) {
    const first = orders.find((order) => order.userId === user.id);
    const total = orders.filter((order) => order.userId === user.id).length;
    console.info(first, total);
  }

  // `create` builds an entity in memory.
  const drafts = users.map((user) => orderRepository.create({ userId: user.id, status: OrderStatus.NEW }));

  // A stream, one page at a time by design.
  for await (const batch of pages(orderRepository)) {
    console.info(batch.length);
  }
  return drafts;
}

async function* pages(repository: { find(options: object): Promise<Order[]> }) {
  yield await repository.find({ take: 10 });
}
