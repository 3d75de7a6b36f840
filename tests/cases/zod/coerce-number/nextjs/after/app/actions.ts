"use server";

import { z } from "zod";

const Rating = z.object({ stars: z.coerce.number().int().min(1).max(5) });
const Vote = z.object({ weight: z.coerce.number() });

export async function rate(formData: FormData) {
  const { stars } = Rating.parse({ stars: formData.get("stars") });
  return stars;
}

export async function vote(data: FormData) {
  return Vote.parse(Object.fromEntries(data)).weight;
}
