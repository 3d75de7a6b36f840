import axios from "axios";

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

let accessToken = "";
let refreshToken = "";

export async function refreshSession(): Promise<string> {
  const { data } = await axios.post<{ accessToken: string; refreshToken: string }>("/auth/refresh", {
    refreshToken,
  });
  accessToken = data.accessToken;
  refreshToken = data.refreshToken;
  return accessToken;
}

export const api = axios.create();

api.interceptors.response.use(
  (response) => response,
  async (error) => {
    if (error.response?.status === 401 && !error.config._retry) {
      error.config._retry = true;
      error.config.headers.Authorization = `Bearer ${await refreshOnce(error.config?.headers?.Authorization, () => refreshSession())}`;
      return api(error.config);
    }
    throw error;
  },
);

export async function download(url: string): Promise<Blob> {
  const refreshesAtSend = refreshCount;
  let res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
  switch (res.status) {
    case 401:
      await refreshOnce(refreshesAtSend, () => refreshSession());
      res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
      break;
    default:
      break;
  }
  return res.blob();
}
