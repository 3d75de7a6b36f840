import { model, Schema, Types } from "mongoose";

const orderSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: "User", required: true },
  items: [{ type: Types.ObjectId, ref: "Product" }],
  status: { type: String, default: "new" },
  total: Number,
  createdAt: { type: Date, default: Date.now },
});

export const Order = model("Order", orderSchema);
