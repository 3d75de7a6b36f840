import { getAccessToken, getRefreshToken, setTokens } from "./tokens";

export async function authFetch(url: string, options: RequestInit = {}): Promise<Response> {
  const withToken = (token: string | null): RequestInit => ({
    ...options,
    headers: { ...(options.headers as Record<string, string>), Authorization: `Bearer ${token}` },
  });

  let response = await fetch(url, withToken(getAccessToken()));
  if (response.status === 401) {
    const refreshResponse = await fetch("/api/auth/refresh", {
      method: "POST",
      body: JSON.stringify({ refreshToken: getRefreshToken() }),
    });
    if (refreshResponse.ok) {
      const { accessToken, refreshToken } = await refreshResponse.json();
      setTokens(accessToken, refreshToken);
      response = await fetch(url, withToken(accessToken));
    }
  }
  return response;
}
