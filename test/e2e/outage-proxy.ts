// A pass-through HTTP proxy in front of a real MLflow server that the test can make "go away" at an exact
// request (closing every connection and its listening socket, so clients see resets and then refused
// connections, as when a server dies) and bring back on the same port. It lets an e2e test cut MLflow off at a
// chosen point of a run, e.g. in the middle of uploading a logged model's files, which killing the real
// server from outside can only hit by timing. Hand-written: ~50 lines of node:http, no proxy library needed.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy saw: method and path (without the query) of each request, in arrival order. */
export interface ProxyRequest {
  method: string;
  path: string;
}

export interface OutageProxy {
  url: string;
  /** Every request received, the one that triggered the outage included. */
  readonly requests: ProxyRequest[];
  /** True once the trigger fired and until {@link up}. */
  readonly down: boolean;
  /** Listens again on the same port, forwarding everything (the trigger does not fire again). */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Forwards to `target` until `goDownAt(request, requestsSoFar)` returns true; that request is dropped (its
 * connection reset) and the proxy stops listening.
 */
export async function startOutageProxy(target: string, goDownAt: (req: ProxyRequest, seen: ProxyRequest[]) => boolean): Promise<OutageProxy> {
  const upstream = new URL(target);
  const requests: ProxyRequest[] = [];
  const sockets = new Set<Socket>();
  let down = false;
  let fired = false;
  const server = http.createServer((req, res) => {
    const r = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] };
    requests.push(r);
    if (!fired && goDownAt(r, requests)) {
      fired = true;
      down = true;
      server.close();
      for (const s of sockets) s.destroy();
      return;
    }
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get down() {
      return down;
    },
    up: async () => {
      await listen(port);
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
