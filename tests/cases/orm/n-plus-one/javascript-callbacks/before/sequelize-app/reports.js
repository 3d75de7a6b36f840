"use strict";
const { Order, Review, User } = require("./models");

// A parenthesised parameter: in JavaScript it sits directly in `formal_parameters`.
async function ordersByUser() {
  const users = await User.findAll({ where: { active: true } });
  return Promise.all(users.map(async (user) => Order.findAll({ where: { userId: user.id } })));
}

// A bare arrow parameter.
async function reviewCounts() {
  const users = await User.findAll();
  const counts = {};
  users.forEach(async user => {
    counts[user.id] = await Review.count({ where: { UserId: user.id } });
  });
  return counts;
}

// A function expression, through an alias of the row's key.
async function latestOrders() {
  const users = await User.findAll();
  return Promise.all(
    users.map(async function (user) {
      const userId = user.id;
      return Order.findOne({ where: { userId }, order: [["createdAt", "DESC"]] });
    }),
  );
}

// A destructured parameter, and one with a default value.
async function owners() {
  const orders = await Order.findAll();
  const buyers = await Promise.all(orders.map(({ userId }) => User.findByPk(userId)));
  const reviews = await Promise.all(buyers.map((buyer = {}) => Review.findAll({ where: { UserId: buyer.id } })));
  return { buyers, reviews };
}

module.exports = { ordersByUser, reviewCounts, latestOrders, owners };
