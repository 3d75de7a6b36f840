"use strict";
const { DataTypes, Model } = require("sequelize");

module.exports = (sequelize) => {
  class User extends Model {
    static associate(models) {
      this.hasMany(models.Order, { foreignKey: "userId", as: "orders" });
      this.hasMany(models.Review);
    }
  }
  User.init({ email: DataTypes.STRING, active: DataTypes.BOOLEAN }, { sequelize, modelName: "User" });
  return User;
};
