import { getAccessToken, getRefreshToken, setTokens } from "./tokens";

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

export async function authFetch(url: string, options: RequestInit = {}): Promise<Response> {
  const refreshesAtSend = refreshCount;
  const withToken = (token: string | null): RequestInit => ({
    ...options,
    headers: { ...(options.headers as Record<string, string>), Authorization: `Bearer ${token}` },
  });

  let response = await fetch(url, withToken(getAccessToken()));
  if (response.status === 401) {
    const refreshResponse = await refreshOnce(refreshesAtSend, () => fetch("/api/auth/refresh", {
      method: "POST",
      body: JSON.stringify({ refreshToken: getRefreshToken() }),
    })).then((shared) => shared.clone());
    if (refreshResponse.ok) {
      const { accessToken, refreshToken } = await refreshResponse.json();
      setTokens(accessToken, refreshToken);
      response = await fetch(url, withToken(accessToken));
    }
  }
  return response;
}
