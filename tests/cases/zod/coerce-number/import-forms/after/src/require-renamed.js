const { z: schema } = require("zod");

const Query = schema.object({ limit: schema.coerce.number() });

exports.list = (req, res) => {
  res.json({ limit: Query.parse(req.query).limit });
};
