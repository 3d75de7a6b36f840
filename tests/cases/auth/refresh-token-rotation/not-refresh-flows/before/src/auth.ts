import express from "express";
import argon2 from "argon2";
import jwt from "jsonwebtoken";
import { db } from "./db";

const SECRET = process.env.JWT_SECRET!;
export const router = express.Router();

// Access-token middleware: verifies, issues nothing.
export function requireAuth(req: express.Request, res: express.Response, next: express.NextFunction): void {
  try {
    res.locals.user = jwt.verify(req.headers.authorization?.slice(7) ?? "", SECRET);
    next();
  } catch {
    res.sendStatus(401);
  }
}

// Login verifies a password, not a token.
router.post("/login", async (req, res) => {
  const user = await db.user.findUnique({ where: { email: req.body.email } });
  if (!user || !(await argon2.verify(user.passwordHash, req.body.password))) return res.sendStatus(401);
  res.json({ accessToken: jwt.sign({ sub: user.id }, SECRET, { expiresIn: "15m" }) });
});

// Logout verifies the refresh token and revokes it; it issues nothing.
router.post("/logout", async (req, res) => {
  const { jti } = jwt.verify(req.body.refreshToken, process.env.JWT_REFRESH_SECRET!) as { jti: string };
  await db.refreshToken.delete({ where: { id: jti } });
  res.sendStatus(204);
});

// A search endpoint that reads the query string and signs a download link.
router.get("/export", requireAuth, (req, res) => {
  const link = jwt.sign({ file: req.query.file }, SECRET, { expiresIn: "5m" });
  res.json({ link });
});
