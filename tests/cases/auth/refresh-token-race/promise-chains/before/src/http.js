import axios from "axios";
import ky from "ky";

const api = ky.create({ prefixUrl: "https://api.example.com" });

// The widely copied promise-chain interceptor: the retry stays outside the shared refresh.
axios.interceptors.response.use(
  (response) => response,
  (error) => {
    const originalRequest = error.config;
    if (error.response.status === 401 && !originalRequest._retry) {
      originalRequest._retry = true;
      return axios
        .post("/auth/token", { refresh_token: localStorage.getItem("refreshToken") })
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
          const { token } = await ky.post("refresh", { prefixUrl: "https://api.example.com" }).json();
          request.headers.set("Authorization", `Bearer ${token}`);
          return ky(request);
        }
        return response;
      },
    ],
  },
});
