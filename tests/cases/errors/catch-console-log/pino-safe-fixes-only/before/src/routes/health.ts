import { Router } from "express";

export const health = Router();

health.get("/", async (_req, res) => {
  try {
    res.json({ ok: await ping() });
  } catch (error) {
    console.log("Health check failed:", error);
    res.sendStatus(503);
  }
});

declare function ping(): Promise<boolean>;
