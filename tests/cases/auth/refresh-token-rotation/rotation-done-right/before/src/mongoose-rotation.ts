import type { Request, Response } from "express";
import jwt from "jsonwebtoken";
import { User } from "./models/User";

const JWT_SECRET = process.env.JWT_SECRET!;

export async function refresh(req: Request, res: Response): Promise<void> {
  const token: string = req.body.refreshToken;
  const payload = jwt.verify(token, JWT_SECRET) as { id: string; tokenType: string };
  if (payload.tokenType !== "refresh") {
    res.status(401).json({ message: "Wrong token type" });
    return;
  }
  const user = await User.findOne({ _id: payload.id, refreshToken: token });
  if (!user) {
    res.status(401).json({ message: "Refresh token revoked" });
    return;
  }
  const accessToken = jwt.sign({ id: user.id, tokenType: "access" }, JWT_SECRET, { expiresIn: "15m" });
  user.refreshToken = jwt.sign({ id: user.id, tokenType: "refresh" }, JWT_SECRET, { expiresIn: "7d" });
  await user.save();
  res.json({ accessToken, refreshToken: user.refreshToken });
}
