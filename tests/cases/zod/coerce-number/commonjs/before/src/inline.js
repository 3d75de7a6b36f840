const { z } = require("zod");

module.exports = {
  InlineQuery: z.object({ q: z.number() }),
  InlineBody: z.object({ b: z.number() }),
};
