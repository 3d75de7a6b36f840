import { DataSource } from "typeorm";
import { Order, OrderStatus } from "../entities/order.entity";

// A seed script fills the database once, row by row on purpose.
export async function seed(dataSource: DataSource, userIds: number[]) {
  const orders = dataSource.getRepository(Order);
  for (const userId of userIds) {
    await orders.save({ userId, status: OrderStatus.NEW });
  }
}
