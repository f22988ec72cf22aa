// `npm test` lints and checks formatting (Biome, biome.json: recommended rules; the formatter's
// style is the code's own), so a change that breaks either fails the suite, not just a CI step.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const biome = fileURLToPath(new URL('../node_modules/@biomejs/biome/bin/biome', import.meta.url));

it('biome ci (lint and format) finds nothing', async () => {
  const result = await promisify(execFile)(process.execPath, [biome, 'ci', '--colors=off', '.'], { cwd: root, maxBuffer: 64 << 20 })
    .then(() => 'ok')
    .catch((e: { stdout?: string; stderr?: string; message: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
  expect(result, 'run `npm run format` to format, then fix what `npm run lint` reports').toBe('ok');
}, 120_000);
