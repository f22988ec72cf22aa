// The README walk-through works as written: each ```graphql block runs, in order, without errors.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => (h = await setup()));
afterAll(() => h.close());

describe('README walk-through', () => {
  it('runs every example in order and ends with the claimed usage', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    let last: any;
    for (const block of blocks) last = await h.ok(block);
    expect(last.usages).toEqual([
      { consumerType: 'INSTANCE', consumerCount: 1, resources: [{ resourceClass: 'MEMORY_MB', amount: 8192 }, { resourceClass: 'VCPU', amount: 4 }] },
    ]);
    expect(last.resourceProvider.descendants[0].usages).toEqual([
      { resourceClass: 'VCPU', used: 4 },
      { resourceClass: 'MEMORY_MB', used: 8192 },
    ]);
  });
});
