import axios from "axios";
import { refreshTokens } from "./auth";

export const api = axios.create();

api.interceptors.response.use(undefined, async (error) => {
  if (error.response?.status === 401 && !error.config._retry) {
    error.config._retry = true;
    error.config.headers.Authorization = `Bearer ${await refreshTokens()}`;
    return api.request(error.config);
  }
  throw error;
});
