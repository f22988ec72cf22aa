// `npm start` builds only when something tsc reads changed since the last build: tsc takes 20-30 s
// even when there is nothing to do, this check a few milliseconds. A fresh clone (no dist) builds.
// `--force` (npm run build) always builds. Plain JavaScript: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const STAMP = 'dist/.build-stamp';
const INPUTS = ['src', 'tsconfig.json', 'package.json'];

/** Newest modification time at or under `p`; directories count, so a deleted or renamed file shows. */
function newest(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((max, entry) => Math.max(max, newest(path.join(p, entry))), st.mtimeMs);
}

/**
 * Why the project at `root` needs a build, or null when dist is up to date with its inputs.
 * @param {string} root
 * @returns {string | null}
 */
export function staleReason(root) {
  const stamp = statSync(path.join(root, STAMP), { throwIfNoEntry: false });
  if (!stamp || !existsSync(path.join(root, 'dist/server.js'))) return 'no build yet';
  const changed = INPUTS.find((input) => newest(path.join(root, input)) > stamp.mtimeMs);
  return changed ? `${changed} changed since the last build` : null;
}

/** Runs tsc; the stamp takes the time the build started, so an edit made during it is not missed. */
function build(root) {
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const { status } = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
  const stamp = path.join(root, STAMP);
  writeFileSync(stamp, '');
  utimesSync(stamp, started, started);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const reason = process.argv.includes('--force') ? 'asked to' : staleReason(root);
  if (reason) {
    console.error(`building (${reason})`);
    build(root);
  }
}
