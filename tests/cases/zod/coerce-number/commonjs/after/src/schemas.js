const { z } = require("zod");

const Query = z.object({ page: z.coerce.number() });
const Body = z.object({ qty: z.coerce.number() });

module.exports = { Query, Body };
