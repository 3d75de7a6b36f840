import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

export enum OrderStatus {
  NEW = "new",
  PAID = "paid",
}

@Entity()
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  userId!: number;

  @Column()
  status!: OrderStatus;
}
