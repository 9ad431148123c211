/**
 * Reads a request body up to a limit, whatever its transfer encoding. A body declared too
 * large (Content-Length) is refused before it is read; a chunked one is refused when it
 * crosses the limit. Either way the client is answered 413 on a connection that still reads:
 * closing a socket with unread data in it makes the kernel send a reset, which destroys the
 * 413 before the client reads it (what a client sending chunked saw). The rest of the body is
 * read and dropped — never kept — until it ends or `lingerMs` after the answer, when the
 * connection is cut (nginx's "lingering close").
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a refused body may keep coming after the 413 before its connection is cut. */
export const REFUSED_BODY_LINGER_MS = 2_000;

/** The body as text, or undefined when it exceeds `limit` bytes (answer 413, then call `lingerAfterRefusal`). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(refused ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** After the 413 went out: drop what still comes, and cut the connection if the body has not ended within `lingerMs`. */
export function lingerAfterRefusal(req: IncomingMessage, res: ServerResponse, lingerMs = REFUSED_BODY_LINGER_MS): void {
  if (req.complete) return;
  // Flowing with no buffering: what arrives is dropped.
  req.on("data", () => undefined);
  req.resume();
  const cut = setTimeout(() => req.socket.destroy(), lingerMs);
  cut.unref();
  req.once("end", () => clearTimeout(cut));
  res.once("close", () => {
    if (req.complete) clearTimeout(cut);
  });
}
