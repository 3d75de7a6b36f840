import { Router } from "express";
import jwt, { type JwtPayload } from "jsonwebtoken";

const ACCESS_SECRET = process.env.ACCESS_TOKEN_SECRET!;
const REFRESH_SECRET = process.env.REFRESH_TOKEN_SECRET!;

export const authRouter = Router();

function signTokens(userId: string) {
  return {
    accessToken: jwt.sign({ userId }, ACCESS_SECRET, { expiresIn: "15m" }),
    refreshToken: jwt.sign({ userId, type: "refresh" }, REFRESH_SECRET, { expiresIn: "7d" }),
  };
}

authRouter.post("/refresh-token", (req, res) => {
  const { refreshToken } = req.body;
  if (!refreshToken) {
    return res.status(401).json({ message: "Refresh token required" });
  }
  try {
    const decoded = jwt.verify(refreshToken, REFRESH_SECRET) as JwtPayload;
    if (decoded.type !== "refresh") {
      return res.status(401).json({ message: "Invalid token type" });
    }
    return res.json(signTokens(decoded.userId));
  } catch {
    return res.status(403).json({ message: "Invalid or expired refresh token" });
  }
});
