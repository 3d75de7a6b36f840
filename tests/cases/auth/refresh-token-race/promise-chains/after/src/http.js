import axios from "axios";
import ky from "ky";

// One token refresh at a time (handrail: auth/refresh-token-race). A 401 that arrives while a
// refresh runs waits for it; a late 401 for a request sent before the last refresh finished
// (same `sentWith`) reuses that refresh instead of starting another.
let refreshInFlight = null;
let lastRefresh = null;
let refreshCount = 0;

function refreshOnce(sentWith, refresh) {
  if (lastRefresh !== null && sentWith != null && lastRefresh.sentWith === sentWith) {
    return Promise.resolve(lastRefresh.result);
  }
  if (refreshInFlight === null) {
    refreshInFlight = Promise.resolve(refresh())
      .then(
        (result) => {
          refreshCount += 1;
          lastRefresh = { sentWith, result };
          return result;
        },
        (error) => {
          lastRefresh = null;
          throw error;
        },
      )
      .finally(() => {
        refreshInFlight = null;
      });
  }
  return refreshInFlight;
}

const api = ky.create({ prefixUrl: "https://api.example.com" });

// The widely copied promise-chain interceptor: the retry stays outside the shared refresh.
axios.interceptors.response.use(
  (response) => response,
  (error) => {
    const originalRequest = error.config;
    if (error.response.status === 401 && !originalRequest._retry) {
      originalRequest._retry = true;
      return refreshOnce(error.config?.headers?.Authorization, () => axios
        .post("/auth/token", { refresh_token: localStorage.getItem("refreshToken") }))
        .then((res) => {
          localStorage.setItem("accessToken", res.data.access_token);
          return axios(originalRequest);
        });
    }
    return Promise.reject(error);
  },
);

// ky's afterResponse hook: `.json()` belongs to the refresh, so it is shared too.
export const authed = api.extend({
  hooks: {
    afterResponse: [
      async (request, _options, response) => {
        if (response.status === 401) {
          const { token } = await refreshOnce(undefined, () => ky.post("refresh", { prefixUrl: "https://api.example.com" }).json());
          request.headers.set("Authorization", `Bearer ${token}`);
          return ky(request);
        }
        return response;
      },
    ],
  },
});
