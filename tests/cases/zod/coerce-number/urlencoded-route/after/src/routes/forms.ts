import bodyParser from "body-parser";
import express from "express";
import { z } from "zod";

import { validate } from "../validate";

export const router = express.Router();

const Feedback = z.object({ rating: z.coerce.number().int().min(1).max(5) });
const Legacy = z.object({ score: z.coerce.number() });
const Contact = z.object({ phone: z.coerce.number() });
const Api = z.object({ amount: z.number() });

const formParser = express.urlencoded({ extended: false });

router.post("/feedback", express.urlencoded({ extended: false }), (req, res) => {
  const feedback = Feedback.parse(req.body);
  res.json(feedback);
});

router.post("/legacy", bodyParser.urlencoded({ extended: true }), validate({ body: Legacy }), (_req, res) => {
  res.end();
});

router.post("/contact", formParser, (req, res) => {
  res.json(Contact.safeParse(req.body));
});

// JSON, even though the app also parses forms elsewhere.
router.post("/api", express.json(), (req, res) => {
  res.json({ amount: Api.parse(req.body).amount });
});
