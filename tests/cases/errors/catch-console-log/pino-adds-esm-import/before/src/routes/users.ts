import { Router } from "express";
import { db } from "../db";

export const users = Router();

users.post("/", async (req, res) => {
  try {
    res.status(201).json(await db.user.create({ data: req.body }));
  } catch (error) {
    console.log("Error:", error);
    res.status(500).json({ error: "Something went wrong" });
  }
});

users.delete("/:id", async (req, res) => {
  const id = req.params.id;
  try {
    await db.user.delete({ where: { id } });
    res.sendStatus(204);
  } catch (err) {
    console.log(`Failed to delete user ${id}: ${err}`);
    console.log("delete failed", id, err);
    console.log("delete failed for", req.params.id, err);
    res.sendStatus(500);
  }
});
