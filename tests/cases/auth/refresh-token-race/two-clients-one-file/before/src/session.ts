import axios from "axios";

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
      error.config.headers.Authorization = `Bearer ${await refreshSession()}`;
      return api(error.config);
    }
    throw error;
  },
);

export async function download(url: string): Promise<Blob> {
  let res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
  switch (res.status) {
    case 401:
      await refreshSession();
      res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
      break;
    default:
      break;
  }
  return res.blob();
}
