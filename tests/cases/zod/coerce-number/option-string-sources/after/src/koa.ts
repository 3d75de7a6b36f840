import Router from "@koa/router";
import { z } from "zod";

export const router = new Router();

const ListQuery = z.object({ page: z.coerce.number() });
const CreateBody = z.object({ qty: z.number() });
const Env = z.object({ VITE_PORT: z.coerce.number() });

router.get("/items", (ctx) => {
  ctx.body = { page: ListQuery.parse(ctx.request.query).page, env: Env.parse(import.meta.env) };
});

router.post("/items", (ctx) => {
  const body = CreateBody.parse(ctx.request.body);
  ctx.status = 201;
  ctx.body = body;
});
