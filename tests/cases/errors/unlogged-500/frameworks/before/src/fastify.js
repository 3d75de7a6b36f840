export default async function routes(app) {
  app.get("/items", async (request, reply) => {
    try {
      return await app.db.items();
    } catch (err) {
      reply.code(500).send({ error: "failed" });
    }
  });
}
