let inflight: Promise<string> | undefined;

export function refreshTokens(): Promise<string> {
  inflight ??= fetch("/api/auth/refresh", { method: "POST" })
    .then((res) => res.json() as Promise<{ accessToken: string }>)
    .then((body) => body.accessToken)
    .finally(() => {
      inflight = undefined;
    });
  return inflight;
}
