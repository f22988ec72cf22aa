// OpenTelemetry traces, off unless an OTLP endpoint is configured (config.ts). Spans: one per
// HTTP request (named for its operation once known, joining the caller's trace when it sends a
// W3C `traceparent`), one per DataLoader batch, one per SQL statement; each carries the request id.
// The request's span travels in requestContext (src/log.ts), so children need no context manager.
import { type Attributes, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapGetter, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { requestContext } from '../log.ts';

export interface TracingSettings {
  /** OTLP/HTTP traces URL (…/v1/traces); null: tracing off. */
  endpoint: string | null;
  serviceName: string;
}

export const REQUEST_ID = 'placement.request_id';

const tracer = trace.getTracer('placement-graphql');
/** No span is made, nor a header parsed, unless tracing was started: off costs nothing. */
let enabled = false;

/**
 * Starts tracing when configured; `processor` replaces the OTLP exporter (tests pass an in-memory
 * one). Registers globally, with W3C trace-context propagation. Returns the provider (to shut down).
 */
export function startTracing(settings: TracingSettings, processor?: SpanProcessor): NodeTracerProvider | null {
  if (!settings.endpoint && !processor) return null;
  const exporter: SpanExporter | null = processor ? null : new OTLPTraceExporter({ url: settings.endpoint! });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [processor ?? new BatchSpanProcessor(exporter!)],
  });
  provider.register();
  enabled = true;
  return provider;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** The span of one HTTP request, a child of the caller's span when `traceparent` names one. */
export function startRequestSpan(request: Request, requestId: string): Span | undefined {
  if (!enabled) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  return tracer.startSpan(`${request.method} ${new URL(request.url).pathname}`, { kind: SpanKind.SERVER, attributes: { [REQUEST_ID]: requestId, 'http.request.method': request.method } }, parent);
}

/**
 * Runs `work` in a span that is a child of the current span of the request (or a root, outside
 * requests); spans `work` starts are its children (a loader batch's statements).
 */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  // Off: no wrapper at all around each statement.
  return enabled ? traced(name, attributes, work) : work();
}

async function traced<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  const store = requestContext.getStore();
  const parent = store?.span ? trace.setSpan(ROOT_CONTEXT, store.span) : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { attributes: { ...(store ? { [REQUEST_ID]: store.requestId } : {}), ...attributes } }, parent);
  try {
    // The same tally (statements), this span as the parent.
    return await (store ? requestContext.run({ ...store, span }, work) : work());
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}
