"use strict";
const { DataTypes, Model } = require("sequelize");

module.exports = (sequelize) => {
  class Order extends Model {
    static associate(models) {
      this.belongsTo(models.User, { foreignKey: "userId", as: "user" });
    }
  }
  Order.init(
    { userId: DataTypes.INTEGER, status: DataTypes.STRING, total: DataTypes.DECIMAL },
    { sequelize, modelName: "Order" },
  );
  return Order;
};
