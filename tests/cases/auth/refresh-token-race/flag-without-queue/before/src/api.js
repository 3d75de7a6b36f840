import axios from "axios";

export const api = axios.create({ baseURL: "/api" });
let isRefreshing = false;

api.interceptors.response.use(
  (res) => res,
  async (error) => {
    if (error.response?.status === 401 && !isRefreshing) {
      isRefreshing = true;
      try {
        const { data } = await axios.post("/api/auth/refresh", {}, { withCredentials: true });
        api.defaults.headers.common.Authorization = `Bearer ${data.accessToken}`;
        return api(error.config);
      } finally {
        isRefreshing = false;
      }
    }
    return Promise.reject(error);
  },
);
