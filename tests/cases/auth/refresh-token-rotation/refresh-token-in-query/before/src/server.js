import express from "express";
import jwt from "jsonwebtoken";

const app = express();
let refreshTokens = [];

app.get("/auth/refresh", (req, res) => {
  const token = req.query.token;
  if (!token || !refreshTokens.includes(token)) return res.sendStatus(401);
  jwt.verify(token, process.env.REFRESH_TOKEN_SECRET, (err, user) => {
    if (err) return res.sendStatus(403);
    refreshTokens = refreshTokens.filter((t) => t !== token);
    const accessToken = jwt.sign({ name: user.name }, process.env.ACCESS_TOKEN_SECRET, { expiresIn: "15m" });
    const refreshToken = jwt.sign({ name: user.name }, process.env.REFRESH_TOKEN_SECRET);
    refreshTokens.push(refreshToken);
    res.json({ accessToken, refreshToken });
  });
});

export default app;
