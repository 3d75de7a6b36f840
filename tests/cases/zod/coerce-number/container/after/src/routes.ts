import express from "express";
import { z } from "zod";

export const router = express.Router();

export const userSchemas = {
  list: z.object({ page: z.coerce.number() }),
  create: z.object({ age: z.coerce.number() }),
  response: z.object({ id: z.number() }),
};

router.get("/users", (req, res) => {
  res.json(userSchemas.list.parse(req.query));
});

router.post("/users", (req, res) => {
  const user = userSchemas.create.parse(req.body);
  res.json(userSchemas.response.parse({ id: user.age }));
});
