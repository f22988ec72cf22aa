// Structured JSON log lines. Each carries the id of the request it belongs to, kept in
// AsyncLocalStorage from the moment the request arrives (src/app.ts).
import { AsyncLocalStorage } from 'node:async_hooks';

export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  const requestId = requestContext.getStore()?.requestId;
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...(requestId ? { requestId } : {}), ...fields }));
}
