// A small HTTP forwarding proxy for tests: absolute-form requests are forwarded with their headers
// (the signed Host header among them) intact, to the target they name or to one fixed port.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  url: string;
  /** "METHOD host/path" of every request that passed through. */
  seen: string[];
  close(): Promise<void>;
}

export async function startForwardingProxy(o: { toPort?: number } = {}): Promise<TestProxy> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    seen.push(`${req.method} ${target.host}${target.pathname}`);
    const up = request({ host: o.toPort ? '127.0.0.1' : target.hostname, port: o.toPort ?? target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
