/**
 * What every service does around each GraphQL request it answers: keep (or make) the
 * request id and return it in `x-request-id`, continue the caller's trace (W3C
 * `traceparent`) in a server span, and write one log line when the answer has gone:
 * requestId, service, operation, status, duration, outcome.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace } from "@opentelemetry/api";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { callerText, logger } from "./logger";
import { currentRequest, RequestRecord, requestIdFrom, runInRequest } from "../identity/request-context";
import { REQUEST_ID_HEADER } from "../http/wire";

const tracer = trace.getTracer("csp-graph");

export function observeRequest(service: string, path: string, req: IncomingMessage, res: ServerResponse, work: () => Promise<void>): Promise<void> {
  const record: RequestRecord = { requestId: requestIdFrom(req.headers), service };
  res.setHeader(REQUEST_ID_HEADER, record.requestId);
  const started = performance.now();
  // The caller's trace context only: never whatever happens to be active in this process (tests run all services in one).
  const callerContext = propagation.extract(ROOT_CONTEXT, req.headers);
  const attributes = { "http.request.method": req.method ?? "GET", "url.path": path, "csp.service": service, "csp.request_id": record.requestId };
  return runInRequest(record, () =>
    tracer.startActiveSpan(`${req.method} ${path}`, { kind: SpanKind.SERVER, attributes }, callerContext, async (span) => {
      let failed = false;
      try {
        await work();
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        const status = failed ? 500 : res.statusCode;
        const outcome = status >= 500 ? "failed" : status >= 400 || record.errorCodes?.length ? "refused" : "ok";
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        logger[status >= 500 ? "warn" : "info"](
          { path, operation: record.operation ?? null, status, durationMs: Math.round((performance.now() - started) * 10) / 10, outcome, errorCodes: record.errorCodes },
          "request",
        );
      }
    }),
  );
}

/**
 * Tells the request record which operation ran and which error codes went out (for the
 * log line), and — on the subgraphs, where @apollo/gateway's own spans are absent — opens
 * a `graphql.execute` span under the request's server span.
 */
export function observabilityPlugin(options: { executionSpans: boolean }): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const record = currentRequest();
      return {
        async didResolveOperation({ operationName }) {
          // The caller names its operation: a name as long as the body allows must not make the log line as long.
          if (record && operationName) record.operation = callerText(operationName, 100);
          if (operationName) trace.getActiveSpan()?.setAttribute("graphql.operation.name", callerText(operationName, 100));
        },
        async executionDidStart({ operationName, operation }) {
          if (!options.executionSpans) return;
          const span = tracer.startSpan("graphql.execute", {
            attributes: { "graphql.operation.name": operationName ?? "", "graphql.operation.type": operation.operation },
          });
          return {
            async executionDidEnd(error) {
              if (error) span.setStatus({ code: SpanStatusCode.ERROR });
              span.end();
            },
          };
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          if (record && errors?.length) record.errorCodes = [...new Set(errors.map((e) => String(e.extensions?.code ?? "UNKNOWN")))];
        },
      };
    },
  };
}
