import { z } from "zod";

export default z.object({ days: z.coerce.number().int() });
