export function start(queue: { on(event: string, cb: (value: string) => void): void }): void {
  try {
    connect();
  } catch (error) {
    queue.on("message", (error: string) => {
      console.log("message", error);
    });
    [1, 2].forEach(function (error) {
      console.log(error);
    });
    {
      const error = "shadowed in a block";
      console.log(error);
    }
    const report = () => console.log("connect failed:", error);
    report();
  }
}

declare function connect(): void;
