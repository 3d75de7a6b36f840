import { z } from "zod";

export const FolderParams = z.object({ folderId: z.number() });
