import mongoose from "mongoose";

const eventSchema = new mongoose.Schema({ kind: String, at: Date });
export const Event = mongoose.model("Event", eventSchema);
