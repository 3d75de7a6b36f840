let refreshToken: string | null = null;
export const getRefreshToken = (): string | null => refreshToken;
export function clearTokens(): void {
  refreshToken = null;
}
