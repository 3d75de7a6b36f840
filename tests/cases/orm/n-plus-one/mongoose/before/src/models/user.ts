import mongoose, { Schema } from "mongoose";

const userSchema = new Schema(
  {
    name: { type: String, required: true },
    email: { type: String, required: true },
  },
  { timestamps: true, toJSON: { virtuals: true } },
);

// The orders point at their user; a virtual lets a user populate them.
userSchema.virtual("orders", { ref: "Order", localField: "_id", foreignField: "user" });

export const User = mongoose.model("User", userSchema);
