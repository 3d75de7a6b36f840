import { Injectable } from "@nestjs/common";
import { InjectRepository } from "@nestjs/typeorm";
import { DataSource, Repository } from "typeorm";
import { Order } from "../entities/order.entity";
import { OrderItem } from "../entities/order-item.entity";
import { User } from "../entities/user.entity";

@Injectable()
export class DashboardService {
  constructor(
    @InjectRepository(User) private readonly userRepository: Repository<User>,
    @InjectRepository(Order) private readonly orderRepository: Repository<Order>,
    private readonly dataSource: DataSource,
  ) {}

  // The article's shape: one query for the users, one more per user.
  async usersWithOrders(): Promise<User[]> {
    const users = await this.userRepository.find({ order: { id: "ASC" } });
    for (const user of users) {
      user.orders = await this.orderRepository.find({ where: { customerId: user.id } });
    }
    return users;
  }

  // Spread into a new object, concurrently: still one query per user.
  async summaries() {
    const users = await this.userRepository.findBy({ email: "a@example.com" });
    return Promise.all(
      users.map(async (user) => ({
        ...user,
        orders: await this.orderRepository.findBy({ customerId: user.id }),
      })),
    );
  }

  // To-one: the customer of each order, through the relation filter.
  async ordersWithCustomers(): Promise<Order[]> {
    const orders = await this.orderRepository.find({ where: { status: "paid" } });
    for (const order of orders) {
      order.customer = (await this.userRepository.findOneBy({ id: order.customerId }))!;
    }
    return orders;
  }

  // Extra filters and an order: one batched query carries them.
  async recentPaidOrders(userIds: number[]) {
    const result: Record<number, Order[]> = {};
    for (const userId of userIds) {
      result[userId] = await this.orderRepository.find({
        where: { customerId: userId, status: "paid" },
        order: { createdAt: "DESC" },
      });
    }
    return result;
  }

  // An EntityManager in an index loop, and a nested loop over the orders' items.
  async itemsPerOrder(orders: Order[]) {
    const manager = this.dataSource.manager;
    for (let i = 0; i < orders.length; i++) {
      orders[i].items = await manager.find(OrderItem, { where: { orderId: orders[i].id } });
    }
    return orders;
  }

  // A count per row: one grouped count.
  async orderCounts() {
    const users = await this.userRepository.find();
    const counts = new Map<number, number>();
    for (const user of users) {
      counts.set(user.id, await this.orderRepository.count({ where: { customerId: user.id } }));
    }
    return counts;
  }

  // A per-row limit cannot be batched: reported without code.
  async latestOrder(users: User[]) {
    for (const user of users) {
      const [latest] = await this.orderRepository.find({
        where: { customerId: user.id },
        order: { createdAt: "DESC" },
        take: 1,
      });
      console.info(user.email, latest?.id);
    }
  }
}
