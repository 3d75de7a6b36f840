const z = require("zod");

module.exports.Extra = z.object({ extra: z.number() });
exports.Unused = z.object({ unused: z.number() });
