const { z } = require("zod");

const Query = z.object({ page: z.number() });
const Body = z.object({ qty: z.number() });

module.exports = { Query, Body };
