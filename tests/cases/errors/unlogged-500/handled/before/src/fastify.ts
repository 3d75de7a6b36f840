export async function route(request: any, reply: any) {
  try {
    return await request.server.db.items();
  } catch (err) {
    reply.code(500).send(err);
  }
}
