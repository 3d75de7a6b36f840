"use strict";
const express = require("express");
const { Order, Review, User } = require("../models");

const router = express.Router();

// The article's shape: one query for the users, one more per user.
router.get("/dashboard", async (req, res) => {
  const users = await User.findAll({ where: { active: true } });
  const result = [];
  for (const user of users) {
    const orders = await Order.findAll({ where: { userId: user.id } });
    result.push({ ...user.toJSON(), orders });
  }
  res.json(result);
});

// An association declared without an alias: the include names the model only.
router.get("/reviews", async (req, res) => {
  const users = await User.findAll();
  const rows = await Promise.all(
    users.map(async (user) => ({ id: user.id, reviews: await Review.findAll({ where: { UserId: user.id } }) })),
  );
  res.json(rows);
});

// The owner of each order, by primary key.
router.get("/orders", async (req, res) => {
  const orders = await Order.findAll({ order: [["createdAt", "DESC"]] });
  for (const order of orders) {
    order.dataValues.user = await User.findByPk(order.userId);
  }
  res.json(orders);
});

// Extra conditions travel with the batched query; counts become one grouped count.
router.get("/stats", async (req, res) => {
  const users = await User.findAll();
  const stats = [];
  for (const user of users) {
    const paid = await Order.count({ where: { userId: user.id, status: "paid" } });
    const last = await Order.findOne({ where: { userId: user.id }, order: [["createdAt", "DESC"]] });
    stats.push({ id: user.id, paid, last });
  }
  res.json(stats);
});

// Writes per row.
router.post("/orders/bulk", async (req, res) => {
  for (const item of req.body.items) {
    await Order.create({ userId: req.user.id, total: item.total, status: "new" });
  }
  const stale = await Order.findAll({ where: { status: "stale" } });
  await Promise.all(stale.map((order) => Order.destroy({ where: { id: order.id } })));
  for (const order of stale) {
    await Order.update({ total: order.total * 2 }, { where: { id: order.id } });
  }
  res.sendStatus(204);
});

module.exports = router;
