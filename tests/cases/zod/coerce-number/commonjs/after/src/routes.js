const express = require("express");

const { Query, Body } = require("./schemas");
const more = require("./more");
const Single = require("./single");
const inline = require("./inline");

const router = express.Router();

router.get("/items/:id", (req, res) => {
  res.json({ query: Query.parse(req.query), extra: more.Extra.parse(req.query), id: Single.parse(req.params) });
});

router.post("/items", (req, res) => {
  res.json(Body.parse(req.body));
});

router.get("/inline", (req, res) => {
  res.json({ q: inline.InlineQuery.parse(req.query), b: inline.InlineBody.parse(req.body) });
});

module.exports = router;
