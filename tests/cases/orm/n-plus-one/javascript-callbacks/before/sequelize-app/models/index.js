"use strict";
const { Sequelize } = require("sequelize");

const sequelize = new Sequelize(process.env.DATABASE_URL, { logging: false });
const db = {
  User: require("./user")(sequelize),
  Order: require("./order")(sequelize),
  Review: require("./review")(sequelize),
};

Object.values(db).forEach((model) => model.associate && model.associate(db));

module.exports = { ...db, sequelize };
