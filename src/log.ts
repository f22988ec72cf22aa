// Structured JSON log lines. Each carries the id of the request it belongs to, kept in
// AsyncLocalStorage from the moment the request arrives (src/app.ts), with what the request's
// line reports at its end (statements sent) and its trace span.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';

export interface RequestStore {
  requestId: string;
  /** SQL statements sent on this request's behalf (counted by the database adapter); shared by nested stores. */
  tally: { statements: number };
  /** The request's trace span, when tracing is on. */
  span?: Span;
}

export const requestContext = new AsyncLocalStorage<RequestStore>();

export function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  const requestId = requestContext.getStore()?.requestId;
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...(requestId ? { requestId } : {}), ...fields }));
}
