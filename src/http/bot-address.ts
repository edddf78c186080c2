/** Where people and tools reach the bot: PUBLIC_URL when set, else this machine's PORT. */
export function botAddress(port: number, publicUrl?: string): string {
  return publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${port}`;
}
