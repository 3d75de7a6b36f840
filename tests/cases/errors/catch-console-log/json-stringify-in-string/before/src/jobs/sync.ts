export async function sync(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    console.log(`sync failed: ${JSON.stringify(e)} at ${new Date().toISOString()}`);
    console.log({ error: JSON.stringify(e), job: "sync" });
    console.log("details", JSON.stringify(e, null, 2));
  }
}
