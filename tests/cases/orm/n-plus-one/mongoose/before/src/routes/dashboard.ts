import { Router } from "express";
import { Order } from "../models/order";
import { Product } from "../models/product";
import { User } from "../models/user";

export const router = Router();

// The article's shape: the orders of each user, one query per user.
router.get("/dashboard", async (_req, res) => {
  const users = await User.find().sort({ name: 1 }).lean();
  for (const user of users) {
    (user as any).orders = await Order.find({ user: user._id }).lean();
  }
  res.json(users);
});

// The owner of each order (a ref path on the order), and the products it lists.
router.get("/orders", async (_req, res) => {
  const orders = await Order.find({ status: "paid" });
  const rows = [];
  for (const order of orders) {
    const customer = await User.findById(order.user);
    const products = await Product.find({ _id: { $in: order.items } });
    rows.push({ id: order._id, customer, products });
  }
  res.json(rows);
});

// Extra conditions and a sort travel with one `$in` query; counts become one aggregate.
router.get("/recent", async (req, res) => {
  const users = await User.find({ email: req.query.email });
  const recent = await Promise.all(
    users.map(async (user) => ({
      name: user.name,
      paid: await Order.find({ user: user._id, status: "paid" }).sort({ createdAt: -1 }),
      count: await Order.countDocuments({ user: user._id }),
    })),
  );
  res.json(recent);
});

// Writes per row.
router.post("/restock", async (req, res) => {
  for (const line of req.body.lines) {
    await Product.create({ title: line.title, price: line.price, stock: 0 });
  }
  const empty = await Product.find({ stock: 0 });
  for (const product of empty) {
    await Product.updateOne({ _id: product._id }, { $set: { stock: (product.price ?? 0) > 10 ? 5 : 50 } });
  }
  await Promise.all(empty.map((product) => Product.deleteOne({ _id: product._id })));
  res.sendStatus(204);
});
