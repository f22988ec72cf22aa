// Entry point: open (and migrate) the database, serve the API on HOST:PORT (PORT=0: any free port).

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { isLoopbackHost } from './auth/loopback.ts';
import { type Config, ConfigError, configFromEnv } from './config.ts';
import { openDatabase } from './db/client.ts';
import { writeStats } from './db/tx.ts';
import { DomainError } from './domain/errors.ts';
import { log } from './log.ts';
import { startTracing } from './observability/tracing.ts';

// A setting that does not parse stops the start: one line naming it, exit code 2.
let config: Config;
try {
  config = configFromEnv();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  log('fatal', err.message);
  process.exit(2);
}
const { host, port } = config.server;
// Off (no provider, no spans) unless an OTLP endpoint is configured.
const tracing = startTracing(config.tracing);

// Without authentication everyone is an admin: only ever on this machine's loopback.
if (config.auth.mode === 'none' && !(await isLoopbackHost(host))) {
  log('fatal', 'AUTH=none is only allowed when HOST is a loopback address; set AUTH=token-file or AUTH=jwt', { host });
  process.exit(2);
}

/**
 * Migrations run in a child process: Prisma's schema engine (wasm, about 33 MiB) cannot be freed
 * once loaded, and a server that migrated would keep it for life. openDatabase then finds the
 * database up to date and never loads it here. Its output is the child's; a failure stops the start.
 */
async function migrateInChild(): Promise<void> {
  const script = fileURLToPath(new URL(`./cli/migrate${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
  });
  if (code !== 0) {
    log('fatal', 'could not migrate the database; see the error above', { database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') });
    process.exit(1);
  }
}

await migrateInChild();
const db = await openDatabase(config.databaseUrl, config.database);
let draining = false;
const app = createApp(db, config, { draining: () => draining, logRequests: config.server.logRequests });
const server = createServer(app);
// A port already taken is a setup mistake, not a crash: one line saying what to do, no stack.
server.on('error', (err: NodeJS.ErrnoException) => {
  const msg = err.code === 'EADDRINUSE' ? `port ${port} is in use on ${host}; set PORT to a free port` : `cannot listen on ${host}:${port} (${err.code ?? err.message}); check HOST and PORT`;
  log('fatal', msg, { host, port });
  process.exit(1);
});
server.listen(port, host, () => {
  const { port: bound } = server.address() as AddressInfo;
  log('info', 'placement-graphql listening', {
    url: `http://${host}:${bound}/graphql`,
    dashboard: `http://${host}:${bound}/dashboard`,
    database: db.kind,
    auth: config.auth.mode,
    metrics: typeof config.metrics === 'string' ? config.metrics : 'token',
    tracing: config.tracing.endpoint ?? 'off',
  });
  // Load the candidate world now rather than in the first scheduler's request (which would wait for
  // it); if this fails, that request loads it and reports why.
  db.cache?.fresh().catch(() => undefined);
});

// Graceful shutdown: refuse new writes, let requests in flight finish, then close the database.
const stop = () => {
  if (draining) return;
  draining = true;
  // Open streams would hold the server up to the deadline below: they end now, told where to go.
  db.hub.close(new DomainError('UNAVAILABLE', 'The server is shutting down: subscribe again (to another replica) with the cursor of the last event received.'));
  server.close(async () => {
    await db.close();
    await tracing?.shutdown().catch(() => undefined);
    log('info', 'stopped', { writeRetries: writeStats.retries });
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 10_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
