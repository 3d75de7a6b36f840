const { z: schema } = require("zod");

const Query = schema.object({ limit: schema.number() });

exports.list = (req, res) => {
  res.json({ limit: Query.parse(req.query).limit });
};
