"use strict";
const { DataTypes, Model } = require("sequelize");

module.exports = (sequelize) => {
  class Review extends Model {}
  Review.init({ UserId: DataTypes.INTEGER, stars: DataTypes.INTEGER }, { sequelize, modelName: "Review" });
  return Review;
};
