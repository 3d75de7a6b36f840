const { DataTypes, Model } = require("sequelize");

class User extends Model {}

module.exports = (sequelize) => {
  User.init({ email: DataTypes.STRING, role: DataTypes.STRING }, { sequelize, modelName: "User" });
  return User;
};
