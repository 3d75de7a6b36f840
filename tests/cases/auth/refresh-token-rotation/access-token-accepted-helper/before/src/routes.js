const express = require("express");
const jwt = require("jsonwebtoken");
const { verifyToken, generateTokens } = require("./tokens");
const refreshTokens = require("./refreshTokenStore");

const router = express.Router();

function requireUser(req, res, next) {
  try {
    req.user = verifyToken(req.headers.authorization.split(" ")[1]);
    next();
  } catch (err) {
    res.sendStatus(401);
  }
}

router.get("/me", requireUser, (req, res) => res.json(req.user));

router.post("/token/refresh", async (req, res) => {
  const { refreshToken } = req.body;
  let claims;
  try {
    claims = verifyToken(refreshToken);
  } catch (err) {
    return res.sendStatus(403);
  }
  await refreshTokens.revokeAllFor(claims.sub);
  res.json(await generateTokens(claims.sub));
});

module.exports = { router, jwt };
