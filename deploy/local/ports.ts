// Free loopback ports for the servers the local cluster and the tests start.
import { createServer } from 'node:net';

/**
 * Ports handed out in this process: the OS may offer a just-closed port again,
 * and two servers given the same port collide (a NATS node with one port for
 * clients and routes dies at start).
 */
const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that nothing listens on right now, and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await listenOnce();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function listenOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
