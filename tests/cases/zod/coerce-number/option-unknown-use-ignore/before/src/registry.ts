export function register(schema: unknown): void {
  console.info(schema);
}
