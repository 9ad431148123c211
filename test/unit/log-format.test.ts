/** Log output by audience: JSON for collectors and tests, one readable line for a person at a development terminal. */
import { prettyFactory } from "pino-pretty";
import { readConfig } from "../../common/service/config";
import { chooseLogFormat, PRETTY_OPTIONS } from "../../common/observability/logger";

describe("log format", () => {
  it("Logs: JSON in production, under tests and when piped; pretty on a development terminal; LOG_FORMAT wins; a bad format is named", () => {
    const choose = (env: Record<string, string>, terminal: boolean) => chooseLogFormat(readConfig(env), env.NODE_ENV, terminal);
    expect(choose({}, true)).toBe("pretty");
    expect(choose({ NODE_ENV: "development" }, true)).toBe("pretty");
    expect(choose({}, false)).toBe("json");
    expect(choose({ NODE_ENV: "production" }, true)).toBe("json");
    expect(choose({ NODE_ENV: "test" }, true)).toBe("json");
    expect(choose({ LOG_FORMAT: "json" }, true)).toBe("json");
    expect(choose({ LOG_FORMAT: "pretty" }, false)).toBe("pretty");
    expect(() => readConfig({ LOG_FORMAT: "fancy" })).toThrow(/LOG_FORMAT must be one of json, pretty \(got "fancy"\)/);
  });

  it("Logs: a pretty request line reads as service, operation, status, duration and outcome, without ids", () => {
    const pretty = prettyFactory({ ...PRETTY_OPTIONS, colorize: false });
    const line = (fields: Record<string, unknown>) =>
      pretty(JSON.stringify({ level: "info", time: "2026-01-01T12:00:00.000Z", pid: 1, requestId: "3f0c", path: "/graphql", ...fields }));
    const request = line({ service: "gateway", operation: "Dashboard", status: 200, durationMs: 12.3, outcome: "ok", msg: "request" });
    expect(request).toMatch(/^\[\d\d:\d\d:\d\d\.000\] INFO: gateway request Dashboard 200 12\.3 ms ok\n$/);
    expect(line({ service: "partners", operation: null, status: 200, durationMs: 4, outcome: "refused", errorCodes: ["NOT_FOUND"], msg: "request" })).toMatch(
      /INFO: partners request 200 4 ms refused \{"errorCodes":\["NOT_FOUND"\]\}\n$/,
    );
    expect(line({ signal: "SIGTERM", msg: "shutting down" })).toMatch(/INFO: shutting down \{"signal":"SIGTERM"\}\n$/);
  });
});
