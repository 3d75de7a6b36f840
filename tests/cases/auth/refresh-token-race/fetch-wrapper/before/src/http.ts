import { clearTokens, getAccessToken, getRefreshToken, setTokens } from "./tokens";

const BASE_URL = "https://api.example.com";

async function refreshTokens(): Promise<string | null> {
  const res = await fetch(`${BASE_URL}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refreshToken: getRefreshToken() }),
  });
  if (!res.ok) {
    clearTokens();
    return null;
  }
  const body = (await res.json()) as { accessToken: string; refreshToken: string };
  setTokens(body.accessToken, body.refreshToken);
  return body.accessToken;
}

export async function request<T>(path: string, init: RequestInit = {}, retried = false): Promise<T> {
  const headers = new Headers(init.headers);
  const token = getAccessToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(`${BASE_URL}${path}`, { ...init, headers });

  if (res.status === 401 && !retried) {
    const newToken = await refreshTokens();
    if (newToken) {
      return request<T>(path, init, true);
    }
  }
  if (!res.ok) {
    throw new Error(`${init.method ?? "GET"} ${path} failed: ${res.status}`);
  }
  return (await res.json()) as T;
}
