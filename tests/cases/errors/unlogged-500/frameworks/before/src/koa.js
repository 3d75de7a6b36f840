export async function handler(ctx) {
  try {
    ctx.body = await load();
  } catch (err) {
    ctx.status = 500;
    ctx.body = { error: "failed" };
  }
}
