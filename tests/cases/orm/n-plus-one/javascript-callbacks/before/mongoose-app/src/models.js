import mongoose, { Schema } from "mongoose";

const userSchema = new Schema({ name: String, email: String });
export const User = mongoose.model("User", userSchema);

const orderSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: "User", required: true },
  status: { type: String, default: "new" },
  total: Number,
});
export const Order = mongoose.model("Order", orderSchema);
