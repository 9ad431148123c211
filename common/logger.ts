/**
 * Structured JSON logs (pino), one line per event on stdout. Lines written while a request
 * is answered carry its requestId and service automatically, so one request can be
 * followed through the gateway and every subgraph it touched.
 *
 * Never log tokens, SQL parameters or variables: the redaction below is a safety net, not
 * permission.
 */
import pino, { DestinationStream, Logger } from "pino";
import { LogLevel, readConfig } from "./config";
import { currentRequest } from "./request-context";

/** A configuration mistake elsewhere must not stop the logger: the service reports it when it reads its configuration. */
function configuredLevel(): LogLevel {
  try {
    return readConfig().logLevel;
  } catch {
    return "info";
  }
}

/** Where lines go; a test may swap the target (captureLogs) while the logger stays the same object. */
const sink: DestinationStream & { target: DestinationStream } = {
  // Asynchronous: lines written while a write is pending go out together in one syscall, which
  // per-request lines under load need (bench: writev was a tenth of the gateway's CPU when
  // synchronous). pino flushes it on exit; minLength 0 means an idle service's line is not held back.
  target: pino.destination({ dest: 1, sync: false, minLength: 0 }),
  write(line: string) {
    this.target.write(line);
  },
};

export const logger: Logger = pino(
  {
    level: configuredLevel(),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const request = currentRequest();
      return request ? { service: request.service, requestId: request.requestId } : {};
    },
    redact: {
      paths: ["authorization", "*.authorization", "headers.authorization", "token", "parameters", "*.parameters", "variables", "*.variables"],
      censor: "[redacted]",
    },
  },
  sink,
);

/** The longest description of an error a log line carries (messages may repeat what a caller sent). */
export const MAX_LOGGED_ERROR_CHARS = 500;

/**
 * At most `max` characters of text that may come from a caller (an operation name, a message
 * quoting it), with the length it had: a log line or an error message never grows with what a
 * client sends.
 */
export function callerText(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** A one-line description of an error (name and message only: never its own properties, which may hold SQL parameters). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return callerText(`${error.name}: ${error.message}`, MAX_LOGGED_ERROR_CHARS);
  const message = (error as { message?: unknown } | null)?.message;
  return callerText(typeof message === "string" ? message : String(error), MAX_LOGGED_ERROR_CHARS);
}

/** Tests: collect parsed log lines at `level` until `restore()`. */
export function captureLogs(level: LogLevel = "info"): { lines: Record<string, unknown>[]; restore(): void } {
  const lines: Record<string, unknown>[] = [];
  const previous = { target: sink.target, level: logger.level };
  sink.target = { write: (line: string) => void lines.push(JSON.parse(line)) };
  logger.level = level;
  return {
    lines,
    restore() {
      sink.target = previous.target;
      logger.level = previous.level;
    },
  };
}
