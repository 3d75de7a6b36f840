import { Router } from "express";
import { db } from "../db";

export const users = Router();

users.delete("/:id", async (req, res) => {
  try {
    await db.user.delete({ where: { id: req.params.id } });
    res.sendStatus(204);
  } catch (error) {
    res.status(500).json({ error: "Failed to delete user" });
  }
});

users.get("/:id", async (req, res) => {
  try {
    res.json(await db.user.findUniqueOrThrow({ where: { id: req.params.id } }));
  } catch {
    if (!req.params.id) return res.status(400).json({ error: "id required" });
    return res.sendStatus(500);
  }
});

users.post("/", async (req, res) => {
  try {
    res.json(await db.user.create({ data: req.body }));
  } catch (e) {
    res.status(500).json({ error: String(e) });
  }
});
