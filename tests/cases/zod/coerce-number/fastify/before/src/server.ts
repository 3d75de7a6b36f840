import Fastify from "fastify";
import { z } from "zod";

const app = Fastify();

const Query = z.object({ limit: z.number().int() });
const Params = z.object({ id: z.number().int() });
const Headers = z.object({ "x-page": z.number() });
const Body = z.object({ stock: z.number().int() });
const Reply = z.object({ total: z.number() });
const Search = z.object({ minPrice: z.number() });

app.get(
  "/items/:id",
  { schema: { querystring: Query, params: Params, headers: Headers, response: { 200: Reply } } },
  async () => ({ total: 1 }),
);

app.post("/items", { schema: { body: Body } }, async () => ({ total: 1 }));

app.route({
  method: "GET",
  url: "/route",
  schema: { querystring: z.object({ offset: z.number() }) },
  handler: async () => ({ total: 1 }),
});

app.get("/search", async (request) => {
  const search = Search.parse(request.query);
  return { total: search.minPrice };
});
