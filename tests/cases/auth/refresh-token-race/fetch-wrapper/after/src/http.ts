import { clearTokens, getAccessToken, getRefreshToken, setTokens } from "./tokens";

// One token refresh at a time (handrail: auth/refresh-token-race). A 401 that arrives while a
// refresh runs waits for it; a late 401 for a request sent before the last refresh finished
// (same `sentWith`) reuses that refresh instead of starting another.
let refreshInFlight: Promise<unknown> | null = null;
let lastRefresh: { sentWith: unknown; result: unknown } | null = null;
let refreshCount = 0;

function refreshOnce<T>(sentWith: unknown, refresh: () => T | PromiseLike<T>): Promise<T> {
  if (lastRefresh !== null && sentWith != null && lastRefresh.sentWith === sentWith) {
    return Promise.resolve(lastRefresh.result as T);
  }
  if (refreshInFlight === null) {
    refreshInFlight = Promise.resolve(refresh())
      .then(
        (result) => {
          refreshCount += 1;
          lastRefresh = { sentWith, result };
          return result;
        },
        (error: unknown) => {
          lastRefresh = null;
          throw error;
        },
      )
      .finally(() => {
        refreshInFlight = null;
      });
  }
  return refreshInFlight as Promise<T>;
}

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
  const refreshesAtSend = refreshCount;
  const headers = new Headers(init.headers);
  const token = getAccessToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(`${BASE_URL}${path}`, { ...init, headers });

  if (res.status === 401 && !retried) {
    const newToken = await refreshOnce(refreshesAtSend, () => refreshTokens());
    if (newToken) {
      return request<T>(path, init, true);
    }
  }
  if (!res.ok) {
    throw new Error(`${init.method ?? "GET"} ${path} failed: ${res.status}`);
  }
  return (await res.json()) as T;
}
