import express from "express";
import jwt from "jsonwebtoken";
import { prisma } from "./db";
import { config } from "./config";

export const router = express.Router();

router.post("/login", async (req, res) => {
  const user = await prisma.user.findUnique({ where: { email: req.body.email } });
  if (!user) return res.status(401).json({ error: "Invalid credentials" });
  const accessToken = jwt.sign({ userId: user.id }, config.jwtSecret, { expiresIn: "15m" });
  const refreshToken = jwt.sign({ userId: user.id }, config.jwtSecret, { expiresIn: "30d" });
  await prisma.session.create({ data: { userId: user.id } });
  res.json({ accessToken, refreshToken });
});

router.post("/refresh", async (req, res) => {
  try {
    const payload = jwt.verify(req.body.refreshToken, config.jwtSecret) as { userId: string };
    // One session per user: replace whatever was there.
    await prisma.session.deleteMany({ where: { userId: payload.userId } });
    await prisma.session.create({ data: { userId: payload.userId } });
    const accessToken = jwt.sign({ userId: payload.userId }, config.jwtSecret, { expiresIn: "15m" });
    const refreshToken = jwt.sign({ userId: payload.userId }, config.jwtSecret, { expiresIn: "30d" });
    res.json({ accessToken, refreshToken });
  } catch {
    res.status(401).json({ error: "Invalid refresh token" });
  }
});
