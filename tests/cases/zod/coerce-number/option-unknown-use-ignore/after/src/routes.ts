import express from "express";
import { z } from "zod";

import { register } from "./registry";

export const router = express.Router();

const Unknown = z.object({ n: z.number() });
register(Unknown);

const Body = z.object({ qty: z.coerce.number() });
const Query = z.object({ page: z.coerce.number() });

router.post("/items", (req, res) => {
  res.json({ body: Body.parse(req.body), query: Query.parse(req.query) });
});
