import { prisma } from "./prisma";

// The schema is found through prisma.config.ts (a multi-file schema in db/schema/).
export async function authors() {
  const authors = await prisma.author.findMany();
  for (const author of authors) {
    (author as any).posts = await prisma.post.findMany({ where: { authorId: author.id } });
    (author as any).edits = await prisma.post.findMany({ where: { editorId: author.id } });
  }
  return authors;
}
