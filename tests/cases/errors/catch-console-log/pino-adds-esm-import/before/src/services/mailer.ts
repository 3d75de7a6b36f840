export async function send(to: string): Promise<void> {
  try {
    await deliver(to);
  } catch (e) {
    console.log("Mail to " + to + ": " + e);
  }
}

declare function deliver(to: string): Promise<void>;
