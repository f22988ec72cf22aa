// Starting the server: `npm start` builds only when a source changed since the last build, and a
// second server on a port already taken, or a setting that does not parse, says so in one line and
// exits non-zero.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// A plain JavaScript script (it runs before anything is built).
import { STAMP, staleReason } from '../scripts/build-if-stale.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project whose inputs all date from 1970 + 1e6 s; `at` sets a file's modification time (epoch seconds). */
function project(): { dir: string; at: (file: string, seconds: number) => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stale-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'src/db'), { recursive: true });
  mkdirSync(path.join(dir, 'dist'));
  for (const f of ['src/server.ts', 'src/db/client.ts', 'tsconfig.json', 'package.json', 'dist/server.js']) writeFileSync(path.join(dir, f), '');
  const at = (file: string, seconds: number) => utimesSync(path.join(dir, file), seconds, seconds);
  for (const f of ['src/server.ts', 'src/db/client.ts', 'src/db', 'src', 'tsconfig.json', 'package.json']) at(f, 1_000_000);
  return { dir, at };
}

describe('npm start builds only when needed', () => {
  it('builds a fresh clone (no build stamp, or no dist/server.js)', () => {
    const { dir, at } = project();
    expect(staleReason(dir)).toBe('no build yet');
    writeFileSync(path.join(dir, STAMP), '');
    at(STAMP, 2_000_000);
    rmSync(path.join(dir, 'dist/server.js'));
    expect(staleReason(dir)).toBe('no build yet');
  });

  it('skips the build when nothing changed since the stamp, and builds after any input changed', () => {
    const { dir, at } = project();
    writeFileSync(path.join(dir, STAMP), '');
    at(STAMP, 2_000_000);
    expect(staleReason(dir)).toBeNull();
    at('src/db/client.ts', 3_000_000);
    expect(staleReason(dir)).toBe('src changed since the last build');
    at('src/db/client.ts', 1_000_000);
    at('tsconfig.json', 3_000_000);
    expect(staleReason(dir)).toBe('tsconfig.json changed since the last build');
    at('tsconfig.json', 1_000_000);
    at('package.json', 3_000_000);
    expect(staleReason(dir)).toBe('package.json changed since the last build');
  });

  it('notices a deleted source file (its directory changed)', () => {
    const { dir, at } = project();
    writeFileSync(path.join(dir, STAMP), '');
    at(STAMP, 2_000_000);
    rmSync(path.join(dir, 'src/db/client.ts'));
    expect(staleReason(dir)).toBe('src changed since the last build');
  });
});

/** Starts src/server.ts with `env` over this environment; its output lines and exit code. */
async function start(env: Record<string, string>): Promise<{ lines: string[]; output: string; code: number | null }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'start-'));
  dirs.push(dir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${path.join(dir, 'p.db')}`, HOST: '127.0.0.1', TEST_DB: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { lines: output.split('\n').filter((l) => l.trim()), output, code };
}

describe('an invalid setting', () => {
  it('stops the start before the database is touched: one line, exit code 2', async () => {
    const { lines, output, code } = await start({ PLACEMENT_DB_POOL_SIZE: 'abc', PORT: '0' });
    expect(lines, output).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'fatal', msg: 'invalid setting PLACEMENT_DB_POOL_SIZE: expected a whole number' });
    expect(code).toBe(2);
  });
});

describe('a port already in use', () => {
  it('is one line naming the port, and exit code 1', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const { lines, output, code } = await start({ PORT: String(port) });
      expect(lines, output).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({ level: 'fatal', msg: `port ${port} is in use on 127.0.0.1; set PORT to a free port` });
      expect(code).toBe(1);
    } finally {
      busy.close();
    }
  });
});
