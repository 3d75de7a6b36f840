import { Router } from "express";
import { logger as log } from "../lib/logger";

export const items = Router();

items.get("/", async (_req, res) => {
  try {
    res.json(await listItems());
  } catch (error) {
    console.log("Error:", error);
    res.sendStatus(500);
  }
});

declare function listItems(): Promise<unknown[]>;
