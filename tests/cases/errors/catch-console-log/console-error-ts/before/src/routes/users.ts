import { Router } from "express";
import { db } from "../db";

export const users = Router();

users.post("/", async (req, res) => {
  try {
    res.status(201).json(await db.user.create({ data: req.body }));
  } catch (error) {
    console.log("Error:", error);
    console.log(`Failed to create user: ${error}`);
    console.log("Create failed: " + (error as Error).message);
    console.log("Error:", JSON.stringify(error));
    console.log(`Failed for ${req.body.email}: ${error.message}`);
    console.log("retrying");
    console.log("status", error.code);
    console.error("already fine", error);
    console.warn(error);
    res.status(500).json({ error: "Something went wrong" });
  }
});

users.get("/:id", async (req, res) => {
  try {
    res.json(await db.user.findUnique({ where: { id: req.params.id } }));
  } catch (err: unknown) {
    console.log(err);
    console.log(`lookup of ${req.params.id} failed: ${err} (will retry)`);
    console.log(String(err));
    res.sendStatus(500);
  }
});
