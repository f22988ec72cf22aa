// `npm test` typechecks everything (tsconfig.check.json: src, test, scripts, conformance, configs):
// vitest strips types without checking them, and `npm run build` compiles src alone.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

it('tsc -p tsconfig.check.json reports no errors', async () => {
  const output = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.check.json', '--pretty', 'false'], { cwd: root, maxBuffer: 64 << 20 })
    .then(({ stdout, stderr }) => stdout + stderr)
    .catch((e: { stdout?: string; stderr?: string; message: string }) => (e.stdout || e.stderr ? `${e.stdout ?? ''}${e.stderr ?? ''}` : e.message));
  expect(output).toBe('');
}, 300_000); // a full check takes 20-60 s on two busy cores
