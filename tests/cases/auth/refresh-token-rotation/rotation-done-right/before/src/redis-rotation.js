import { jwtVerify, SignJWT } from "jose";
import { redis } from "./redis.js";

const refreshKey = new TextEncoder().encode(process.env.REFRESH_SECRET);

export async function refreshSession(refreshToken) {
  const { payload } = await jwtVerify(refreshToken, refreshKey, { audience: "refresh" });
  const owner = await redis.getdel(`refresh:${payload.jti}`);
  if (owner !== payload.sub) throw new Error("refresh token reuse");
  return createSessionTokens(payload.sub);
}

async function createSessionTokens(userId) {
  const jti = crypto.randomUUID();
  await redis.set(`refresh:${jti}`, userId, "EX", 60 * 60 * 24 * 30);
  return new SignJWT({ jti }).setSubject(userId).setAudience("refresh").setProtectedHeader({ alg: "HS256" }).sign(refreshKey);
}
