import Fastify from "fastify";
import { z } from "zod";

const app = Fastify();
const Health = z.object({ uptime: z.number() });
const Reply = z.object({ count: z.number() });

app.get("/health", async (_request, reply) => {
  reply.send(Health.parse({ uptime: process.uptime() }));
});

app.get("/count", { schema: { response: { 200: Reply } } }, async () => ({ count: 1 }));
