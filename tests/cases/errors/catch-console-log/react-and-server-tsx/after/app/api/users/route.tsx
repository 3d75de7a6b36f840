import { NextResponse } from "next/server";

export async function GET() {
  try {
    return NextResponse.json(await loadUsers());
  } catch (error) {
    console.error("Error:", error);
    return NextResponse.json({ error: "Failed" }, { status: 500 });
  }
}

declare function loadUsers(): Promise<unknown[]>;
