import { Router } from "express";
import jwt from "jsonwebtoken";
import { randomUUID } from "node:crypto";
import { prisma } from "./db";

export const router = Router();

router.post("/auth/refresh", async (req, res) => {
  const presented = req.cookies?.refresh_token as string | undefined;
  if (!presented) return res.sendStatus(401);
  const claims = jwt.verify(presented, process.env.JWT_REFRESH_SECRET!) as { sub: string; jti: string };
  // Consume the token: of two requests with the same token, only one deletes a row.
  const { count } = await prisma.refreshToken.deleteMany({ where: { id: claims.jti, userId: claims.sub } });
  if (count === 0) return res.sendStatus(401);
  const jti = randomUUID();
  await prisma.refreshToken.create({ data: { id: jti, userId: claims.sub } });
  res.json({
    accessToken: jwt.sign({ sub: claims.sub }, process.env.JWT_ACCESS_SECRET!, { expiresIn: "10m" }),
    refreshToken: jwt.sign({ sub: claims.sub, jti }, process.env.JWT_REFRESH_SECRET!, { expiresIn: "14d" }),
  });
});
