// Reads a GraphQL subscription over server-sent events from the app in-process, as a client would.
import type { App } from '../src/app.ts';
import { post } from './helpers.ts';

export interface SseStream {
  status: number;
  /** The next result (`{ data }` or `{ errors }`); null once the server completed the stream. */
  next(): Promise<any | null>;
  /** Every result received so far and not yet taken by next(). */
  buffered(): any[];
  /** Disconnects, as a client closing the connection does. */
  close(): Promise<void>;
}

export async function openSse(app: App, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<SseStream> {
  const res = await post(app, { query, variables }, { accept: 'text/event-stream', ...headers });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  // The first chunk (yoga's opening ping, or a whole error answer), as a client reads on connecting.
  const first = await reader.read();
  let text = first.value ? decoder.decode(first.value, { stream: true }) : '';
  const ready: (any | null)[] = [];
  let closed = false;
  /** Reads until one more whole message is buffered. */
  const pump = async () => {
    for (;;) {
      const end = text.indexOf('\n\n');
      if (end >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (\w+)/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (event === 'next') ready.push(JSON.parse(data));
        else if (event === 'complete') ready.push(null);
        else continue; // a ping
        return;
      }
      const { value, done } = await reader.read();
      if (done) {
        ready.push(null);
        return;
      }
      text += decoder.decode(value, { stream: true });
    }
  };
  return {
    status: res.status,
    async next() {
      if (!ready.length) await pump();
      return ready.shift() ?? null;
    },
    buffered: () => ready.splice(0),
    async close() {
      if (closed) return;
      closed = true;
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** A change-feed event as a live collector received it, with when it arrived (ms, performance.now()). */
export interface Received {
  cursor: string;
  kind: string;
  at: number;
  [field: string]: unknown;
}

export interface Collector {
  /** Every `changes` event received, in order. */
  events: Received[];
  /** Errors the server sent (each ends the stream). */
  errors: unknown[];
  /** Settles when the stream ends: completed, cut (a killed server), or closed. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Subscribes over real HTTP and reads the stream continuously (stamping each event on arrival),
 * as a dashboard does; `query` selects `changes { cursor kind ... }`.
 */
export async function collectChanges(url: string, query: string, variables: Record<string, unknown>): Promise<Collector> {
  const abort = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`subscription answered ${res.status}: ${await res.text()}`);
  const c: Collector = { events: [], errors: [], ended: Promise.resolve(), close: () => abort.abort() };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  c.ended = (async () => {
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = performance.now();
        text += decoder.decode(value, { stream: true });
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (/^event: next/m.test(block) && data) {
            const r = JSON.parse(data);
            if (r.errors) c.errors.push(...r.errors);
            else c.events.push({ ...r.data.changes, at });
          }
        }
      }
    } catch {
      // Cut or closed: the events read so far stand.
    }
  })();
  return c;
}
