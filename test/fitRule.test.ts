// The fit rule has two spellings: fits() in src/domain/inventory.ts, which the candidate search
// and the allocation check use, and fitsSql() in src/db/fitSql.ts, which the reads that filter in
// the database use. Over a table of edge cases, both must answer alike on the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsSql } from '../src/db/fitSql.ts';
import { fitProblems, fits, type InventoryValues } from '../src/domain/inventory.ts';
import { type Harness, newConsumer, setup, u } from './helpers.ts';

const DEFAULTS: InventoryValues = { total: 10, reserved: 0, minUnit: 1, maxUnit: 2147483647, stepSize: 1, allocationRatio: 1 };
/** An inventory of VCPU (its unset fields at their defaults) with `used` already allocated. */
const CASES: { name: string; inv: Partial<InventoryValues>; used: number }[] = [
  { name: 'ratio 1.5, nearly full', inv: { total: 10, allocationRatio: 1.5 }, used: 14 },
  { name: 'ratio 0.5 with reserved, capacity 4.5 floored', inv: { total: 10, reserved: 1, allocationRatio: 0.5 }, used: 0 },
  { name: 'ratio 16, nearly full', inv: { total: 3, allocationRatio: 16 }, used: 47 },
  { name: 'ratio 0.3: 10 * 0.3 is 3.0000000000000004', inv: { total: 10, allocationRatio: 0.3 }, used: 0 },
  { name: 'ratio 1.1: 10 * 1.1 is 11.000000000000002', inv: { total: 10, allocationRatio: 1.1 }, used: 10 },
  { name: 'reserved all but one', inv: { total: 8, reserved: 7 }, used: 0 },
  { name: 'full', inv: { total: 5 }, used: 5 },
  { name: 'min 2, max 6, step 2', inv: { total: 20, minUnit: 2, maxUnit: 6, stepSize: 2 }, used: 4 },
  { name: 'step 3 near capacity', inv: { total: 12, stepSize: 3 }, used: 6 },
  { name: 'min above max: nothing fits', inv: { total: 20, minUnit: 5, maxUnit: 3 }, used: 0 },
];
const AMOUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15, 16, 48];

let h: Harness;
beforeAll(async () => {
  h = await setup();
  for (const [n, c] of CASES.entries()) {
    const uuid = u(n + 1);
    await h.ok(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, { i: { name: c.name, uuid } });
    await h.ok(`mutation($i: SetInventoryInput!) { setInventory(input: $i) { resourceProvider { uuid } } }`, {
      i: { providerUuid: uuid, providerGeneration: 0, inventory: { resourceClass: 'VCPU', ...DEFAULTS, ...c.inv } },
    });
    if (c.used > 0) {
      await h.ok(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`, {
        i: {
          consumer: newConsumer(u(100 + n), [[uuid, 'VCPU', c.used]], 'proj', 'user'),
        },
      });
    }
  }
});
afterAll(() => h.close());

describe('the fit rule in TypeScript and in SQL', () => {
  it('answers alike for every case and amount', async () => {
    const [{ id: vcpu }] = await h.db.reader.$queryRaw<{ id: number }[]>`SELECT id FROM resource_classes WHERE name = 'VCPU'`;
    for (const amount of AMOUNTS) {
      const rows = await h.db.reader.$queryRaw<{ uuid: string }[]>`
        SELECT p.uuid FROM inventories i JOIN resource_providers p ON p.id = i.resource_provider_id
        WHERE i.resource_class_id = ${Number(vcpu)} AND ${fitsSql(Number(vcpu), amount)} ORDER BY p.id`;
      const bySql = rows.map((r) => r.uuid);
      const byTs = CASES.flatMap((c, n) => (fits({ ...DEFAULTS, ...c.inv }, c.used, amount) ? [u(n + 1)] : []));
      expect(bySql, `amount ${amount}`).toEqual(byTs);
    }
  });

  it('explains a miss exactly when the rule says no (fitProblems, used by explain)', () => {
    for (const c of CASES) {
      for (const amount of AMOUNTS) {
        const inv = { ...DEFAULTS, ...c.inv };
        expect(fitProblems(inv, c.used, amount).length === 0, JSON.stringify({ c, amount })).toBe(fits(inv, c.used, amount));
      }
    }
  });

  it('has cases on both sides of the line', () => {
    const answers = CASES.flatMap((c) => AMOUNTS.map((amount) => fits({ ...DEFAULTS, ...c.inv }, c.used, amount)));
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });
});
