export async function ping(): Promise<void> {
  try {
    await fetch("http://localhost:3000/health");
  } catch (error) {
    console.log("Ping failed:", error);
  }
}
