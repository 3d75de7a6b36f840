import express from "express";
import { z } from "zod";

export const router = express.Router();

router.get("/a", (req, res) => {
  const Schema = z.object({ limit: z.number() });
  res.json(Schema.parse(req.query));
});

router.post("/b", (req, res) => {
  const Schema = z.object({ weight: z.number() });
  const body = Schema.parse(req.body);
  res.json(body);
});

router.get("/c", (req, res) => {
  const Out = z.object({ total: z.number() });
  res.json(Out.parse({ total: Object.keys(req.query).length }));
});
