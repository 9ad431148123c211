/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go over
 * OTLP/HTTP to `<endpoint>/v1/traces` in batches. When it is not set nothing is registered,
 * and every span the code (and @apollo/gateway) opens through @opentelemetry/api is a no-op.
 *
 * The SDK packages are the 1.30 line that @apollo/gateway 2.14 itself is built against.
 */
import { context, propagation, trace } from "@opentelemetry/api";
// Types only: the SDK and exporter (≈400 modules, ≈8 MB RSS per process) are required in
// startTelemetry, when tracing is on. With OTEL_EXPORTER_OTLP_ENDPOINT unset they never load.
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Config, readConfig } from "../service/config";
import { logger } from "./logger";

let provider: NodeTracerProvider | undefined;

export interface TelemetryOptions {
  config?: Config;
  /** Tests: export here, span by span (e.g. an InMemorySpanExporter), whatever the configuration says. */
  exporter?: SpanExporter;
}

/**
 * Registers the tracer provider, the W3C trace-context propagator and the async context
 * manager for this process. Call once, first thing at process start; `serviceName` names
 * the process in the trace backend (start-all runs all four services as "csp-graph").
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): boolean {
  if (provider) return true;
  const config = options.config ?? readConfig();
  if (!options.exporter && !config.otlpEndpoint) return false;
  const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
  const { Resource } = require("@opentelemetry/resources") as typeof import("@opentelemetry/resources");
  const { BatchSpanProcessor, SimpleSpanProcessor } = require("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base");
  const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node") as typeof import("@opentelemetry/sdk-trace-node");
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint!.replace(/\/+$/, "")}/v1/traces` }));
  provider = new NodeTracerProvider({ resource: new Resource({ "service.name": serviceName }), spanProcessors: [processor] });
  provider.register();
  if (!options.exporter) logger.info({ service: serviceName, endpoint: config.otlpEndpoint }, "tracing to OTLP endpoint");
  return true;
}

/** Sends the spans still buffered and unregisters, so a stopped process loses no trace. */
export async function stopTelemetry(): Promise<void> {
  if (!provider) return;
  const stopping = provider;
  provider = undefined;
  await stopping.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}
