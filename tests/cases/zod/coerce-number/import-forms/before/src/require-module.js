const zod = require("zod");

const Query = zod.object({ page: zod.number(), size: zod.z.number() });

exports.list = (req, res) => {
  const query = Query.parse(req.query);
  res.json(query);
};
