// A free port on loopback, for a local stack started beside others (the
// fuzz run, the benches, the tests): the kernel picks one, and it is given
// back at once for the server that will listen on it.
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
