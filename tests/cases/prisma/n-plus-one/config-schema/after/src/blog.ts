import { prisma } from "./prisma";

// The schema is found through prisma.config.ts (a multi-file schema in db/schema/).
export async function authors() {
  const authors = await prisma.author.findMany({ include: { posts: true, edits: true } });
  return authors;
}
