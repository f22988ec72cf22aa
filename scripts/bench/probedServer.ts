// One server process (dist/server.js) with scripts/bench/memstats.mjs preloaded: SIGUSR2 makes it
// print a MEMSTATS line (memory, heap spaces, CPU and GC time) on stderr, which `stats()` returns.
// Shared by cpuprobe.ts and memprobe.ts.
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface MemStats {
  cpuMs: number;
  gcMs: number;
  gcs: number;
  hwm: number;
  [k: string]: unknown;
}

export async function probedServer(databaseUrl: string, flags: string[], env: Record<string, string>) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const child = spawn(process.execPath, ['--import', new URL('./memstats.mjs', import.meta.url).pathname, ...flags, 'dist/server.js'], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const waiters: ((s: MemStats) => void)[] = [];
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    let i: number;
    while ((i = err.indexOf('\n')) >= 0) {
      const line = err.slice(0, i);
      err = err.slice(i + 1);
      if (line.startsWith('MEMSTATS ')) waiters.shift()?.(JSON.parse(line.slice(9)));
      else process.stderr.write(`${line}\n`);
    }
  });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return {
    url,
    stats(): Promise<MemStats> {
      const p = new Promise<MemStats>((r) => waiters.push(r));
      child.kill('SIGUSR2');
      return p;
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** Limits lifted for bulk loads, request logs off. */
export const BULK_ENV = { LOG_REQUESTS: 'off', LIMIT_ALIASES: '100000', LIMIT_TOKENS: '10000000', LIMIT_COST: '1000000000', LIMIT_BODY_BYTES: '100000000' };
