import express from "express";

export const app = express();

app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  if (err.status === 401) {
    res.status(401).json({ error: "Unauthorized", hint: "POST /auth/refresh with your refresh token" });
    return;
  }
  res.status(500).json({ error: "Internal error" });
});
