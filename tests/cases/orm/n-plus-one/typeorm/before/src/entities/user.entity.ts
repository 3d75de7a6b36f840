import { Column, Entity, OneToMany, OneToOne, PrimaryGeneratedColumn } from "typeorm";
import { Order } from "./order.entity";
import { Profile } from "./profile.entity";

@Entity("users")
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  email!: string;

  @OneToMany(() => Order, (order) => order.customer)
  orders!: Order[];

  @OneToOne(() => Profile, (profile) => profile.user)
  profile!: Profile;
}
