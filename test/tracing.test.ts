// OpenTelemetry traces (issue 14, item 2), exported to memory instead of an OTLP collector: a
// request carrying a W3C traceparent yields spans in the caller's trace — the operation's span (a
// child of the caller's), its DataLoader batches and its SQL statements beneath — each with the
// request id. Tracing is off unless configured.

import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { REQUEST_ID, startTracing } from '../src/observability/tracing.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { post, u } from './helpers.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';
const exporter = new InMemorySpanExporter();
let test: TestDatabase;
let app: App;

beforeAll(async () => {
  test = await openTestDatabase();
  app = createApp(test.db, configFromEnv({}));
  await send(`mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "host"}) { __typename } }`);
  startTracing({ endpoint: null, serviceName: 'test' }, new SimpleSpanProcessor(exporter));
});
afterAll(() => test.drop());

const send = (query: string, headers: Record<string, string> = {}) => post(app, { query }, headers);

describe('tracing', () => {
  it('is off unless an OTLP endpoint is configured', () => {
    expect(configFromEnv({}).tracing.endpoint).toBeNull();
    expect(configFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.endpoint).toBe('http://collector:4318/v1/traces');
    expect(configFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/traces' }).tracing.endpoint).toBe('http://c:4318/traces');
    expect(startTracing({ endpoint: null, serviceName: 'x' })).toBeNull();
  });

  it("joins the caller's trace: operation, loader batch and SQL spans, each with the request id", async () => {
    exporter.reset();
    const res = await send(`query Hosts { resourceProviders { edges { node { uuid traits } } } }`, {
      traceparent: `00-${TRACE}-${CALLER}-01`,
      'x-request-id': 'trace-me-1',
    });
    expect(res.status).toBe(200);
    await res.text();
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE);
    const byName = (pattern: RegExp) => spans.filter((s) => pattern.test(s.name));
    const [operation] = byName(/^query Hosts$/);
    expect(operation, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(operation.parentSpanContext?.spanId).toBe(CALLER);
    expect(operation.attributes['graphql.operation.name']).toBe('Hosts');
    const [batch] = byName(/^load traits$/);
    expect(batch.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
    const sql = byName(/^(sqlite|postgresql) SELECT$/);
    expect(sql.length).toBeGreaterThanOrEqual(2);
    expect(sql.some((s) => s.parentSpanContext?.spanId === batch.spanContext().spanId)).toBe(true);
    expect(String(sql[0].attributes['db.query.text'])).toMatch(/^\s*SELECT/i);
    const childOf = (s: ReadableSpan): boolean =>
      s === operation || (spans.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId) ? childOf(spans.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId)!) : false);
    for (const s of spans) {
      expect(s.attributes[REQUEST_ID], s.name).toBe('trace-me-1');
      expect(childOf(s), s.name).toBe(true);
    }
    expect(operation.attributes['placement.statements']).toBe(sql.length);
  });

  it('starts a trace of its own without a traceparent', async () => {
    exporter.reset();
    await (await send(`query Again { resourceProviders { totalCount } }`)).text();
    const [operation] = exporter.getFinishedSpans().filter((s) => s.name === 'query Again');
    expect(operation.parentSpanContext).toBeUndefined();
    expect(operation.spanContext().traceId).not.toBe(TRACE);
  });
});
