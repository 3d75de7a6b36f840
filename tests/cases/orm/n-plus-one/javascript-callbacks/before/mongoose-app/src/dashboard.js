import { Order, User } from "./models.js";

// A parenthesised parameter.
export async function ordersByUser() {
  const users = await User.find();
  return Promise.all(users.map(async (user) => ({ user, orders: await Order.find({ user: user._id }) })));
}

// A bare arrow parameter.
export async function buyers() {
  const orders = await Order.find({ status: "paid" });
  return Promise.all(orders.map(order => User.findById(order.user)));
}
