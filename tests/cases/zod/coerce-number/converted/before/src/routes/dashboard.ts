import express from "express";
import { z } from "zod";

export const router = express.Router();

const DashboardQuery = z.object({ days: z.number().int().max(365) });
const Id = z.number().int().positive();
const Window = z.object({ from: z.number(), to: z.number(), exact: z.boolean(), limit: z.number() });

router.get("/dashboard", (req, res) => {
  const { days } = DashboardQuery.parse({ days: Number(req.query.days ?? 30) });
  const id = Id.parse(parseInt(String(req.params.id), 10));
  const window = Window.parse({
    from: +String(req.query.from),
    to: Number.parseFloat(String(req.query.to)),
    exact: req.query.exact === "1",
    limit: 50,
  });
  res.json({ days, id, window });
});
