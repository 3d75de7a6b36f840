import { Router } from "express";
import { db } from "../db";
import { logger } from "../lib/logger";

export const users = Router();

users.post("/", async (req, res) => {
  try {
    res.status(201).json(await db.user.create({ data: req.body }));
  } catch (error) {
    logger.error({ err: error }, "Error");
    res.status(500).json({ error: "Something went wrong" });
  }
});

users.delete("/:id", async (req, res) => {
  const id = req.params.id;
  try {
    await db.user.delete({ where: { id } });
    res.sendStatus(204);
  } catch (err) {
    logger.error({ err }, `Failed to delete user ${id}`);
    logger.error({ err, id }, "delete failed");
    console.error("delete failed for", req.params.id, err);
    res.sendStatus(500);
  }
});
