export function register(name: string, schema: unknown): void {
  console.info(name, schema);
}
