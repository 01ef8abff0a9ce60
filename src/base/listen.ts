import type { Server } from 'node:net';

/**
 * Starts a TCP server on host:port and settles once it listens. A bind error (EADDRINUSE,
 * EACCES) rejects the promise instead of being emitted later; errors after that are the caller's.
 */
export function listenTcp(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
