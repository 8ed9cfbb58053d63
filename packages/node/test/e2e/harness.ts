/** Shared by the end-to-end tests: the `machi` entry point and free loopback ports for the nodes they start. */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/machi.js', import.meta.url));

/** A TCP port free on 127.0.0.1 right now (another process may still take it before the node binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
