export async function sync(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    console.error(`sync failed: ${JSON.stringify(e, Object.getOwnPropertyNames(e))} at ${new Date().toISOString()}`);
    console.error({ error: JSON.stringify(e, Object.getOwnPropertyNames(e)), job: "sync" });
    console.error("details", e);
  }
}
