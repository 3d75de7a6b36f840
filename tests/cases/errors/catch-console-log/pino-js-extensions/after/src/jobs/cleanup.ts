import { db } from "../db.js";
import logger from "../logger.js";

export async function cleanup(): Promise<void> {
  try {
    await db.session.deleteMany({});
  } catch (error) {
    logger.error({ err: error }, "cleanup failed");
  }
}
