import { type BaseQuery, fetchBaseQuery } from "./rtk";

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

const baseQuery = fetchBaseQuery({ baseUrl: "/api", token: () => accessToken });

// The RTK Query "re-authorization" wrapper from the docs, without their mutex.
export const baseQueryWithReauth: BaseQuery = async (url) => {
  const refreshesAtSend = refreshCount;
  let result = await baseQuery(url);
  if (result.error && result.error.status === 401) {
    const refreshResult = await refreshOnce(refreshesAtSend, () => baseQuery("/auth/refreshToken"));
    if (refreshResult.data?.accessToken) {
      accessToken = refreshResult.data.accessToken;
      result = await baseQuery(url);
    }
  }
  return result;
};
