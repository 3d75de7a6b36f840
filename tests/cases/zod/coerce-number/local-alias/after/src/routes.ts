import express from "express";
import { z } from "zod";

export const router = express.Router();

const A = z.object({ a: z.coerce.number() });
const B = z.object({ b: z.coerce.number() });
const C = z.object({ page: z.coerce.number() });
const D = z.object({ id: z.coerce.number() });
const E = z.object({ e: z.coerce.number() });

router.get("/items/:id", (req, res) => {
  const q = req.query;
  const { query } = req;
  const { page } = req.query;
  const params = req.params;
  const { query: renamed } = req;
  res.json([A.parse(q), B.parse(query), C.parse({ page }), D.parse({ id: params.id }), E.parse(renamed)]);
});
