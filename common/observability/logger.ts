/**
 * Structured JSON logs (pino), one line per event on stdout. Lines written while a request
 * is answered carry its requestId and service automatically, so one request can be
 * followed through the gateway and every subgraph it touched. A person at a development
 * terminal reads the same lines pretty-printed instead (see chooseLogFormat).
 *
 * Never log tokens, SQL parameters or variables: the redaction below is a safety net, not
 * permission.
 */
import pino, { DestinationStream, Logger } from "pino";
import { Config, LogFormat, LogLevel, readConfig } from "../service/config";
import { currentRequest } from "../identity/request-context";

/**
 * JSON, which collectors and tests parse, unless LOG_FORMAT says otherwise or a person is
 * watching: outside production and tests, with stdout a terminal. Piped output stays JSON.
 */
export function chooseLogFormat(config: Pick<Config, "logFormat" | "production">, nodeEnv: string | undefined, stdoutIsTerminal: boolean): LogFormat {
  if (config.logFormat) return config.logFormat;
  return !config.production && nodeEnv !== "test" && stdoutIsTerminal ? "pretty" : "json";
}

/**
 * pino-pretty's options: one line per event, request lines as
 * `[12:00:00.000] INFO: gateway request Dashboard 200 12.3 ms ok` (the requestId stays in JSON output).
 */
export const PRETTY_OPTIONS = {
  translateTime: "SYS:HH:MM:ss.l",
  // Each line is written as soon as it is formatted, so the last ones before process.exit
  // ("shutting down") still reach the terminal.
  sync: true,
  singleLine: true,
  ignore: "pid,hostname,service,requestId,path,operation,status,durationMs,outcome",
  messageFormat: "{if service}{service} {end}{msg}{if operation} {operation}{end}{if status} {status}{end}{if durationMs} {durationMs} ms{end}{if outcome} {outcome}{end}",
};

/** A configuration mistake elsewhere must not stop the logger: the service reports it when it reads its configuration. */
function configured(): { level: LogLevel; format: LogFormat } {
  try {
    const config = readConfig();
    return { level: config.logLevel, format: chooseLogFormat(config, process.env.NODE_ENV, process.stdout.isTTY === true) };
  } catch {
    return { level: "info", format: "json" };
  }
}
const { level, format } = configured();

/** Where lines go; a test may swap the target (captureLogs) while the logger stays the same object. */
const sink: DestinationStream & { target: DestinationStream } = {
  // Pretty lines are formatted by pino-pretty in a worker thread (a pino transport), so a
  // service writing JSON never loads it.
  // JSON is written asynchronously: lines written while a write is pending go out together in one
  // syscall, which per-request lines under load need (bench: writev was a tenth of the gateway's
  // CPU when synchronous). pino flushes it on exit; minLength 0 means an idle service's line is not held back.
  target: format === "pretty" ? pino.transport({ target: "pino-pretty", options: PRETTY_OPTIONS }) : pino.destination({ dest: 1, sync: false, minLength: 0 }),
  write(line: string) {
    this.target.write(line);
  },
};

export const logger: Logger = pino(
  {
    level,
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
