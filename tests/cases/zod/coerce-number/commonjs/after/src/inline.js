const { z } = require("zod");

module.exports = {
  InlineQuery: z.object({ q: z.coerce.number() }),
  InlineBody: z.object({ b: z.coerce.number() }),
};
