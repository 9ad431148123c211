/**
 * A TCP proxy (node:net) between services and a server, whose existing connections a test
 * can freeze: from then on nothing passes on them in either direction and neither side's
 * close reaches the other — a half-open connection, as a NAT or load balancer that dropped
 * the flow leaves it. Connections made after the freeze work, as they would through a
 * network path that is healthy again.
 */
import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  frozen: boolean;
}

export interface FreezableProxy {
  /** The target URL with the proxy's host and port. */
  url(): string;
  /** Freezes every connection open now. */
  freeze(): void;
  /**
   * Freezes every open connection right after forwarding the first client→server chunk
   * whose text matches `pattern` (the server gets it; its answer is lost).
   */
  freezeOn(pattern: RegExp): void;
  /** When the last freeze happened (Date.now()), or undefined. */
  frozenAt(): number | undefined;
  /** Connections open now, frozen or not. */
  links(): { open: number; frozen: number };
  close(): Promise<void>;
}

export async function freezableProxy(target: URL): Promise<FreezableProxy> {
  const links = new Set<Link>();
  let trigger: RegExp | undefined;
  let frozenAt: number | undefined;
  const freeze = () => {
    for (const link of links) link.frozen = true;
    frozenAt = Date.now();
    trigger = undefined;
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const link: Link = { client, upstream, frozen: false };
    links.add(link);
    const drop = () => {
      if (link.frozen) return; // a frozen path carries no close either
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      if (link.frozen) return;
      upstream.write(chunk);
      if (trigger?.test(chunk.toString("latin1"))) freeze();
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!link.frozen) client.write(chunk);
    });
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: () => {
      const url = new URL(target.href);
      url.host = `127.0.0.1:${port}`;
      return url.href;
    },
    freeze,
    freezeOn: (pattern) => void (trigger = pattern),
    frozenAt: () => frozenAt,
    links: () => ({ open: links.size, frozen: [...links].filter((l) => l.frozen).length }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream.destroy();
        }
        links.clear();
        server.close(() => resolve());
      }),
  };
}
