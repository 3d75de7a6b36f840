import { db } from "../db.js";

export async function cleanup(): Promise<void> {
  try {
    await db.session.deleteMany({});
  } catch (error) {
    console.log("cleanup failed:", error);
  }
}
