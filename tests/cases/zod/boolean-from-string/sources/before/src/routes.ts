import express from "express";
import { z } from "zod/v4";

import { validate } from "./validate";

export const router = express.Router();

const Filters = z.object({ archived: z.boolean() });
const Subscribe = z.object({ newsletter: z.boolean() });
const Settings = z.object({ darkMode: z.boolean() });
const Status = z.object({ healthy: z.boolean() });
const Flags = z.object({ beta: z.boolean() });
const Pending = z.object({ draft: z.boolean() });
registerFlags(Flags);

router.get("/items", validate({ query: Filters }), (_req, res) => {
  res.json(Status.parse({ healthy: true }));
});

router.post("/subscribe", express.urlencoded({ extended: false }), (req, res) => {
  res.json(Subscribe.parse(req.body));
});

router.put("/settings", (req, res) => {
  res.json(Settings.parse(req.body));
});

function registerFlags(schema: unknown) {
  console.info(schema);
}
