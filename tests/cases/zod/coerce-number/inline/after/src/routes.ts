import express from "express";
import { z } from "zod";

export const router = express.Router();

router.get("/inline/:id", async (req, res) => {
  const query = z.object({ page: z.coerce.number() }).parse(req.query);
  const params = z.object({ id: z.coerce.number() }).safeParse(req.params);
  const body = await z.object({ weight: z.number() }).parseAsync(req.body);
  res.json(z.object({ total: z.number() }).parse({ total: 1, query, params, body }));
});
