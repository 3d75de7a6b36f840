const z = require("zod");

module.exports.Extra = z.object({ extra: z.coerce.number() });
exports.Unused = z.object({ unused: z.coerce.number() });
