import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 free a moment ago, for a server a test starts (an Alertmanager, a bot whose PUBLIC_URL must be known first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
