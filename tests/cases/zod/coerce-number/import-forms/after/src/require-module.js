const zod = require("zod");

const Query = zod.object({ page: zod.coerce.number(), size: zod.z.coerce.number() });

exports.list = (req, res) => {
  const query = Query.parse(req.query);
  res.json(query);
};
