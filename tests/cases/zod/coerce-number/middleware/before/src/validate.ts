import type { RequestHandler } from "express";
import type { z } from "zod";

type Part = "query" | "params" | "headers" | "cookies" | "body";

export function validate(schemas: Partial<Record<Part, z.ZodType>>): RequestHandler {
  return (req, res, next) => {
    for (const [part, schema] of Object.entries(schemas)) {
      const result = schema?.safeParse(req[part as Part]);
      if (result && !result.success) {
        res.status(400).json({ issues: result.error.issues });
        return;
      }
    }
    next();
  };
}
