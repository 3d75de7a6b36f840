import pino from "pino";

const logger = pino();

export async function boot(app) {
  try {
    await app.listen(3000);
  } catch (error) {
    console.log("boot failed:", error);
  }
}
