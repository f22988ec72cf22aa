// The length and pattern limits of SPEC §2, checked at the boundary: the longest legal value is
// accepted, one character more is BAD_VALUE, and a refused write changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventory: {resourceClass: "VCPU", total: 100}}) { resourceProvider { generation } } }`);
});
afterAll(() => h.close());

const createProvider = `mutation($name: String!) { createResourceProvider(input: {name: $name}) { resourceProvider { name } } }`;
const createClass = `mutation($name: String!) { createResourceClass(input: {name: $name}) { resourceClass { name } } }`;
const createTrait = `mutation($name: String!) { ensureTrait(input: {name: $name}) { created } }`;
const claim = `mutation($c: String!, $p: String!, $u: String!, $t: String!) { setAllocations(input: {consumer: {consumerUuid: $c, consumerGeneration: null,
  projectId: $p, userId: $u, consumerType: $t, allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) {
  consumers { projectId userId consumerType } } }`;

/** Asserts the value is refused with BAD_VALUE and that nothing changed. */
async function refused(query: string, variables: Record<string, unknown>) {
  const before = await snapshotDb(h);
  await h.fails('BAD_VALUE', query, variables);
  expect(await snapshotDb(h)).toEqual(before);
}

describe('provider names', () => {
  it('accepts 200 characters of any script and refuses 201', async () => {
    const name = `${'ñ字🙂'.repeat(66)}xx`; // 200 code points, some outside the BMP
    expect([...name]).toHaveLength(200);
    expect((await h.ok(createProvider, { name })).createResourceProvider.resourceProvider.name).toBe(name);
    await refused(createProvider, { name: 'y'.repeat(201) });
  });
});

describe('resource class and trait names', () => {
  it('accepts 255 characters and refuses 256', async () => {
    const longest = `CUSTOM_${'A'.repeat(248)}`;
    expect((await h.ok(createClass, { name: longest })).createResourceClass.resourceClass.name).toBe(longest);
    expect((await h.ok(createTrait, { name: longest })).ensureTrait.created).toBe(true);
    await refused(createClass, { name: `${longest}B` });
    await refused(createTrait, { name: `${longest}B` });
  });

  it.each(['CUSTOM_', 'CUSTOM_a', 'CUSTOM_A-B', 'CUSTOM_Ä', 'custom_A', ' CUSTOM_A'])('refuses %j', async (name) => {
    await refused(createClass, { name });
    await refused(createTrait, { name });
  });
});

describe('consumers', () => {
  const claimWith = (n: number, p: string, user: string, t: string) => ({ c: u(1000 + n), p, u: user, t });

  it('accepts project and user ids of 255 characters and refuses 256 or empty', async () => {
    const longest = 'p'.repeat(255);
    const ok = await h.ok(claim, claimWith(1, longest, longest, 'INSTANCE'));
    expect(ok.setAllocations.consumers[0]).toEqual({ projectId: longest, userId: longest, consumerType: 'INSTANCE' });
    await refused(claim, claimWith(2, `${longest}p`, 'u', 'INSTANCE'));
    await refused(claim, claimWith(3, 'p', `${longest}u`, 'INSTANCE'));
    await refused(claim, claimWith(4, '', 'u', 'INSTANCE'));
    await refused(claim, claimWith(5, 'p', '', 'INSTANCE'));
  });

  it('accepts consumer types of [A-Z0-9_]{1,255} and refuses anything else', async () => {
    const longest = 'T'.repeat(255);
    expect((await h.ok(claim, claimWith(6, 'p', 'u', longest))).setAllocations.consumers[0].consumerType).toBe(longest);
    for (const [i, t] of ['', 'instance', 'IN-STANCE', 'T'.repeat(256)].entries()) await refused(claim, claimWith(10 + i, 'p', 'u', t));
  });

  it('refuses a malformed consumer uuid', async () => {
    await refused(claim, { ...claimWith(20, 'p', 'u', 'INSTANCE'), c: 'not-a-uuid' });
  });
});
