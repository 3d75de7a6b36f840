const { z } = require("zod");

const Query = z.object({ page: z.coerce.number().int() });

function list(req, res) {
  const query = Query.parse(req.query);
  res.json(query);
}

module.exports = { list };
