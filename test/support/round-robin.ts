/**
 * A plain HTTP load balancer for tests: each request goes to the next of several replicas of
 * one subgraph, in turn, as a Kubernetes Service or any round-robin balancer would send it.
 */
import http from "node:http";
import { AddressInfo } from "node:net";

export interface RoundRobin {
  /** The balancer's /graphql URL (paths are passed through unchanged). */
  url: string;
  /** How many requests each replica got, in the order of `targets`. */
  served: number[];
  close(): Promise<void>;
}

export async function startRoundRobin(targets: () => string[]): Promise<RoundRobin> {
  let next = 0;
  const served: number[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const all = targets();
    const index = next++ % all.length;
    served[index] = (served[index] ?? 0) + 1;
    const target = new URL(all[index]);
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  // As the services themselves (common/http/http.ts): longer than the gateway's pooled connections
  // stay idle, so the balancer never closes one the gateway is about to reuse.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
