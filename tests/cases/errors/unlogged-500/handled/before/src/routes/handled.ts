import type { NextFunction, Request, Response } from "express";
import { logger } from "../lib/logger";
import * as Sentry from "@sentry/node";

export async function a(req: Request, res: Response) {
  try { await work(); } catch (error) { console.error(error); res.status(500).end(); }
}
export async function b(req: Request, res: Response) {
  try { await work(); } catch (error) { logger.error({ err: error }, "b failed"); res.status(500).end(); }
}
export async function c(req: Request, res: Response, next: NextFunction) {
  try { await work(); } catch (error) { next(error); }
}
export async function d(req: Request, res: Response) {
  try { await work(); } catch (error) { if (!res.headersSent) res.status(500).end(); throw error; }
}
export async function e(req: Request, res: Response) {
  try { await work(); } catch (error) { Sentry.captureException(error); res.status(500).end(); }
}
export async function f(req: Request, res: Response) {
  try { await work(); } catch (error) { handleError(error); res.status(500).end(); }
}
export async function g(req: Request, res: Response) {
  try { await work(); } catch (error) { res.status(400).json({ error: "bad input" }); }
}
export async function h(req: Request, res: Response) {
  try { await work(); } catch (error) { req.log.error(error); res.sendStatus(500); }
}
export async function i(req: Request, res: Response) {
  try { await work(); } catch (error) { setTimeout(() => res.status(500).end(), 10); throw error; }
}

declare function work(): Promise<void>;
declare function handleError(e: unknown): void;
