import express from "express";
import { z } from "zod";

import { validate } from "./validate";

export const router = express.Router();

const Query = z.object({ page: z.number() });
const Params = z.object({ id: z.number() });
const Headers = z.object({ "x-api-version": z.number() });
const Cookies = z.object({ session: z.number() });
const Body = z.object({ qty: z.number() });
const query = z.object({ short: z.number() });

const ok: express.RequestHandler = (_req, res) => {
  res.json({ ok: true });
};

router.get("/items/:id", validate({ query: Query, params: Params, headers: Headers, cookies: Cookies }), ok);
router.post("/items", validate({ body: Body }), ok);
router.get("/short", validate({ query }), ok);
router.get("/inline", validate({ query: z.object({ inline: z.number() }) }), ok);
router.post("/inline", validate({ params: Params, body: z.object({ weight: z.number() }) }), ok);
