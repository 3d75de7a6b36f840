import axios, { AxiosError, type InternalAxiosRequestConfig } from "axios";
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

type RetryConfig = InternalAxiosRequestConfig & { _retry?: boolean };

export const api = axios.create({ baseURL: "/api" });

api.interceptors.request.use((config) => {
  const token = getAccessToken();
  if (token) config.headers.Authorization = `Bearer ${token}`;
  return config;
});

api.interceptors.response.use(
  (response) => response,
  async (error: AxiosError) => {
    const originalRequest = error.config as RetryConfig;
    if (error.response?.status === 401 && !originalRequest._retry) {
      originalRequest._retry = true;
      try {
        const res = await refreshOnce(error.config?.headers?.Authorization, () => axios.post("/api/auth/refresh", { refreshToken: getRefreshToken() }));
        setTokens(res.data.accessToken, res.data.refreshToken);
        originalRequest.headers.Authorization = `Bearer ${res.data.accessToken}`;
        return api(originalRequest);
      } catch (refreshError) {
        clearTokens();
        window.location.href = "/login";
        return Promise.reject(refreshError);
      }
    }
    return Promise.reject(error);
  },
);
