import { z } from "zod";

const Upload = z.object({ width: z.number() });
const Legacy = z.object({ height: z.number() });

export async function POST(request: Request) {
  const upload = Upload.parse(Object.fromEntries(await request.formData()));
  const text = await request.text();
  const legacy = Legacy.parse(Object.fromEntries(new URLSearchParams(text)));
  return Response.json({ upload, legacy });
}
