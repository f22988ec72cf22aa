// Recognises failures that mean "the database cannot be reached or answered too slowly", as
// opposed to a bug: clients get UNAVAILABLE and may retry; the pool reconnects by itself when the
// database is back.
const PATTERNS = [
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH/,
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i,
  /DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections|DatabaseDoesNotExist/,
  /\bP1001\b|\bP1002\b|\bP1008\b|\bP1017\b|\bP2024\b/,
  /canceling statement due to statement timeout|terminating connection|the database system is (starting up|shutting down)|57014|57P01|57P03|08006|08001|08003/,
  /SQLITE_BUSY|database is locked/,
  // Prisma's P2028 when a transaction could not start within maxWait, or ran past its timeout and
  // was rolled back: either way nothing was written (other P2028s, e.g. "already committed", are not this).
  /Unable to start a transaction in the given time|cannot be executed on an expired transaction/,
];

/** An error and the errors it wraps (`cause`), a few levels deep: drivers wrap the database's own. */
type Wrapped = { cause?: unknown; code?: unknown; message?: unknown; kind?: unknown; meta?: unknown };
export function causes(err: unknown): Wrapped[] {
  const out: Wrapped[] = [];
  for (let e = err as Wrapped | null | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as Wrapped | undefined, depth++) out.push(e);
  return out;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const parts: string[] = [];
  for (const e of causes(err)) parts.push(String(e.code ?? ''), String(e.message ?? ''), String(e.kind ?? ''), JSON.stringify(e.meta ?? ''));
  const text = parts.join(' ');
  return PATTERNS.some((p) => p.test(text));
}
