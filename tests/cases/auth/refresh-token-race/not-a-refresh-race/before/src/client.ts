import axios from "axios";
import { getRefreshToken, clearTokens } from "./tokens";

export const api = axios.create();

// A 401 logs the user out; nothing is refreshed here.
api.interceptors.response.use(undefined, (error) => {
  if (error.response?.status === 401) {
    console.warn("session ended, refresh token was", getRefreshToken() ? "set" : "missing");
    clearTokens();
    window.location.assign("/login");
  }
  return Promise.reject(error);
});

// A proactive refresh on a timer is one caller, not a race between 401s.
export function scheduleRefresh(refreshAccessToken: () => Promise<void>, ms: number): number {
  return window.setInterval(() => void refreshAccessToken(), ms);
}
