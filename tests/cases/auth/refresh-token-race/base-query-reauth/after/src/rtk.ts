// A stand-in for @reduxjs/toolkit/query's fetchBaseQuery: a base query may answer synchronously.
export type MaybePromise<T> = T | Promise<T>;
export interface QueryResult {
  data?: { accessToken?: string };
  error?: { status: number };
}
export type BaseQuery = (url: string) => MaybePromise<QueryResult>;

export function fetchBaseQuery(options: { baseUrl: string; token: () => string }): BaseQuery {
  return (url) => {
    if (!url.startsWith("/")) return { error: { status: 400 } };
    return fetch(options.baseUrl + url, { headers: { Authorization: `Bearer ${options.token()}` } }).then(
      async (res) => (res.ok ? { data: await res.json() } : { error: { status: res.status } }),
    );
  };
}
