import type { NextFunction, Request, Response } from "express";

export function handleError(err: unknown): void {
  console.error("Error:", err);
}

export const logError = (e: unknown) => {
  console.error("Unexpected:", e);
};

export function report(failure: Error) {
  console.error(failure);
}

export function errorMiddleware(err: Error, req: Request, res: Response, next: NextFunction) {
  console.error("Unhandled:", err);
  res.status(500).json({ error: "Internal error" });
}

export function warmUp(cache: Promise<void>): void {
  cache.catch((reason) => console.error("warm-up failed", reason));
}

// Traps: not errors.
export function dump(value: unknown): void {
  console.log(value);
}

export function printAll(errors: string[]): void {
  errors.forEach((error) => console.log(error));
}

export function describe(error: string): void {
  console.log(error);
}
