export function Page() {
  async function load(res: { status(code: number): void }) {
    try {
      await fetch("/x");
    } catch (error) {
      res.status(500);
    }
  }
  return <button onClick={() => load({ status() {} })}>load</button>;
}
