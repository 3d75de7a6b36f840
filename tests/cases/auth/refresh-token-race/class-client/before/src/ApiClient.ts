export class ApiClient {
  private accessToken: string | null = null;

  constructor(
    private readonly baseUrl: string,
    private refreshToken: string,
  ) {}

  private async refreshAccessToken(): Promise<void> {
    const res = await fetch(`${this.baseUrl}/auth/refresh`, {
      method: "POST",
      body: JSON.stringify({ refreshToken: this.refreshToken }),
    });
    const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
    this.accessToken = tokens.accessToken;
    this.refreshToken = tokens.refreshToken;
  }

  async get<T>(path: string): Promise<T> {
    let res = await fetch(this.baseUrl + path, { headers: { Authorization: `Bearer ${this.accessToken}` } });
    if (res.status === 401) {
      await this.refreshAccessToken();
      res = await fetch(this.baseUrl + path, { headers: { Authorization: `Bearer ${this.accessToken}` } });
    }
    return (await res.json()) as T;
  }
}
