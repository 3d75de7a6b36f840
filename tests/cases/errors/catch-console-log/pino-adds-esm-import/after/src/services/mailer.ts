import { logger } from "../lib/logger";

export async function send(to: string): Promise<void> {
  try {
    await deliver(to);
  } catch (e) {
    logger.error({ err: e }, "Mail to " + to);
  }
}

declare function deliver(to: string): Promise<void>;
