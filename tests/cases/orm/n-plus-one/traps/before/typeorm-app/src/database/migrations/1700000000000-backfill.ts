import { MigrationInterface, QueryRunner } from "typeorm";
import { Order } from "../../entities/order.entity";

export class Backfill1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const orders = await queryRunner.manager.find(Order);
    for (const order of orders) {
      await queryRunner.manager.update(Order, order.id, { status: order.status });
    }
  }

  async down(): Promise<void> {}
}
