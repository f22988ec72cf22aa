// The README's walk-through is true as written: its examples are the files under examples/, and its
// curl command line, run through bash against a real server process, sends each file as is and gets
// the answers the README describes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { type Replica, startReplica, stopReplica } from './replicas.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const files = readdirSync(`${root}/examples`)
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((f) => `examples/${f}`);
// Each example is a ```graphql block right after the line naming its file.
const shown = new Map([...readme.matchAll(/\(`(examples\/[\w-]+\.graphql)`\):\n\n```graphql\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]));
const README_ORIGIN = 'http://127.0.0.1:8080';

let database: TestDatabase;
let server: Replica;
let origin: string;

/** Runs a README command line through bash against the test server; returns what curl printed. */
const sh = (line: string) => execFileSync('bash', ['-c', line.replaceAll(README_ORIGIN, origin)], { cwd: root, encoding: 'utf8' });

beforeAll(async () => {
  database = await openTestDatabase();
  server = await startReplica(database.url);
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await stopReplica(server);
  await database.drop();
});

describe('README walk-through', () => {
  it('shows every example file exactly as it is, and no example that is not a file', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect([...shown.keys()]).toEqual(files);
    for (const file of files) expect(shown.get(file), file).toBe(readFileSync(`${root}/${file}`, 'utf8'));
    expect(readme.match(/```graphql\n/g)?.length).toBe(files.length);
  });

  it("runs every example in order with the README's curl command line", () => {
    const command = readme.split('\n').find((l) => l.includes('--data-urlencode query@examples/'));
    expect(command).toMatch(/^curl /);
    const answers = files.map((file) => {
      const answer = JSON.parse(sh(command!.replace(/examples\/[\w-]+\.graphql/, file)));
      expect(answer.errors, `${file}: ${JSON.stringify(answer.errors)}`).toBeUndefined();
      return answer.data;
    });
    const [created, inventories, candidates, claimed, usages, explained] = answers;
    expect(created.b.resourceProvider.root).toEqual({ name: 'cn1' });
    expect(inventories.setInventories.resourceProvider.generation).toBe(1);
    expect(candidates.allocationCandidates.allocationRequests).toHaveLength(1);
    expect(claimed.setAllocations.consumers).toEqual([{ uuid: '0c3f0b7e-2a8a-4a7c-8d44-8a8f7a3f0001', generation: 1 }]);
    expect(usages.usages).toEqual([
      {
        consumerType: 'INSTANCE',
        consumerCount: 1,
        resources: [
          { resourceClass: 'MEMORY_MB', amount: 8192 },
          { resourceClass: 'VCPU', amount: 4 },
        ],
      },
    ]);
    // Step 6: the request that cannot fit, and why, as the README reads it.
    const why = explained.explainAllocationCandidates;
    expect(why.treesFitting).toBe(0);
    expect(why.trees).toEqual([
      {
        rootName: 'cn1',
        fits: false,
        reasons: [
          {
            kind: 'CAPACITY_SHORT',
            providerName: 'cn1-numa0',
            requested: 30,
            free: 28,
            shortBy: 2,
            message: '2 VCPU short on cn1-numa0: 30 requested, 28 free (capacity 32 = (total 16 - reserved 0) × allocation ratio 2; used 4)',
          },
        ],
        wouldFitIf: { message: 'fits if 2 more VCPU were free on cn1-numa0' },
      },
    ]);
    expect(why.summary.reasons).toEqual([{ message: '1 tree lacks capacity for VCPU, short by up to 2' }]);
    expect(why.summary.bestChange).toEqual({ message: '1 tree would fit if more VCPU were free (at most 2 more on one provider)' });
    for (const quoted of [why.trees[0].reasons[0].message, why.trees[0].wouldFitIf.message, why.summary.reasons[0].message]) {
      expect(readme.replace(/\n\s+/g, ' ')).toContain(quoted);
    }
    expect(usages.resourceProvider.descendants[0].usages).toEqual([
      { resourceClass: 'VCPU', used: 4 },
      { resourceClass: 'MEMORY_MB', used: 8192 },
    ]);
  });

  it('documents the health endpoints with command lines that answer as described', () => {
    const line = (path: string) => readme.split('\n').find((l) => l.startsWith(`curl -s ${README_ORIGIN}${path} `));
    expect(sh(line('/healthz')!)).toBe('ok');
    expect(sh(line('/readyz')!)).toBe('ready');
  });

  it('documents /metrics with a command line that scrapes it', () => {
    const line = readme.split('\n').find((l) => l.startsWith(`curl -s ${README_ORIGIN}/metrics `))!;
    expect(sh(`METRICS_TOKEN= ${line}`)).toMatch(/^placement_claims_total/m);
  });

  it('shows a poll answered 304 when nothing changed', () => {
    const block = /## Polling and caching[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(sh(block).trim()).toBe('304');
  });

  it('answers a request with no usable query with a coded 4xx saying how to send one', () => {
    // JSON without a content type: curl sends it as a form, so there is no query field.
    const [noType, noTypeStatus] = sh(`curl -s -w '\\n%{http_code}' ${README_ORIGIN}/graphql -H 'x-graphql-yoga-csrf: 1' -d '{"query": "{ __typename }"}'`).split('\n');
    expect(noTypeStatus).toBe('400');
    expect(JSON.parse(noType).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('--data-urlencode query@') });
    const [unknownType, unknownTypeStatus] = sh(`curl -s -w '\\n%{http_code}' ${README_ORIGIN}/graphql -H 'x-graphql-yoga-csrf: 1' -H 'content-type: text/plain' -d '{ __typename }'`).split('\n');
    expect(unknownTypeStatus).toBe('415');
    expect(JSON.parse(unknownType).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('content-type: application/json') });
  });
});
