/**
 * An HTTP proxy (node:http) in front of one subgraph, for faults between the gateway and it:
 * each call delayed, or each call passed on but its answer thrown away and the connection cut
 * (the subgraph did the work; the gateway never hears of it). Also what tests observe of the
 * calls: how many, and (`onCall`) each request body.
 */
import http from "node:http";
import net from "node:net";

export type ProxyMode = { kind: "pass" } | { kind: "delay"; ms: number } | { kind: "cut-after-answer" };

export interface SubgraphProxy {
  /** The proxy's URL for the subgraph's `/graphql` (and `/internal/graphql` beside it). */
  url: string;
  mode: ProxyMode;
  /** Calls received so far. */
  calls: number;
  close(): Promise<void>;
}

export async function subgraphProxy(target: string, mode: ProxyMode = { kind: "pass" }, onCall?: (body: Buffer) => void): Promise<SubgraphProxy> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: SubgraphProxy = { url: "", mode, calls: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    proxy.calls++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      onCall?.(Buffer.concat(chunks));
      const forward = () => {
        const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (c: Buffer) => body.push(c));
          answer.on("end", () => {
            if (proxy.mode.kind === "cut-after-answer") return req.socket.destroy();
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        });
        upstream.on("error", () => req.socket.destroy());
        upstream.end(Buffer.concat(chunks));
      };
      if (proxy.mode.kind === "delay") setTimeout(forward, proxy.mode.ms);
      else forward();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${to.pathname}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
