"use client";

export async function submit(data: FormData) {
  try {
    await fetch("/api/form", { method: "POST", body: data });
  } catch (error) {
    console.log("Error:", error);
  }
}
