import { prisma } from "./lib/prisma";

// No schema.prisma: the relation is named after the property the loop sets (unsafe).
export async function teams() {
  const teams = await prisma.team.findMany();
  for (const team of teams) {
    (team as any).members = await prisma.member.findMany({ where: { teamId: team.id } });
  }
  return teams;
}

export async function posts() {
  const posts = await prisma.post.findMany({ where: { published: true } });
  const result = [];
  for (const post of posts) {
    const comments = await prisma.comment.findMany({ where: { postId: post.id }, orderBy: { id: "asc" } });
    result.push({ ...post, comments });
  }
  return result;
}

// Nothing names the relation: a batched query is only suggested.
export async function commentCounts() {
  const posts = await prisma.post.findMany();
  let total = 0;
  for (const post of posts) {
    const comments = await prisma.comment.findMany({ where: { postId: post.id } });
    total += comments.length;
  }
  return total;
}

// Not a Prisma client: no finding.
export async function remote(api: { user: { findMany(args: object): Promise<unknown[]> } }, ids: number[]) {
  for (const id of ids) {
    await api.user.findMany({ where: { id } });
  }
}
