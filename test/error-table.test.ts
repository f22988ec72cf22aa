// The README's error table is the ErrorCode enum, row for row, and says what the server does; the
// same mistake reads the same wherever it is made (one wording, from src/domain/messages.ts).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { errorCodes } from '../src/domain/errors.ts';
import { type Harness, setup, u } from './helpers.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
const rows = section.split('\n').filter((l) => l.startsWith('| `'));
const rowCodes = rows.flatMap((r) => [...r.split('|')[1].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
const rowFor = (code: string) => rows.find((r) => r.split('|')[1].includes(`\`${code}\``))!.split('|')[2];

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation { createResourceProvider(input: {name: "cn", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { resourceProvider { generation } } }`);
});
afterAll(() => h.close());

const candidates = (group: string) =>
  `{ allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}] ${group}}]}) { allocationRequests { allocations { providerUuid } } } }`;
const claim = (providerUuid: string, resourceClass: string) =>
  `mutation { setAllocations(input: {consumer: {consumerUuid: "${u(100)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
    allocations: [{providerUuid: "${providerUuid}", resources: [{resourceClass: "${resourceClass}", amount: 1}]}]}}) { consumers { uuid } } }`;
const inventories = (resourceClass: string) =>
  `mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 1, inventories: [{resourceClass: "${resourceClass}", total: 1}]}) { resourceProvider { uuid } } }`;
const filter = (f: string) => `{ resourceProviders(filter: {${f}}) { edges { node { uuid } } } }`;

describe('README error table', () => {
  it('has a row for every ErrorCode and no code that is not one', () => {
    expect(rowCodes.length).toBe(new Set(rowCodes).size);
    expect([...rowCodes].sort()).toEqual(Object.keys(errorCodes).sort());
  });

  it('says an unknown resource class or trait given as input is BAD_VALUE, and it is', async () => {
    expect(rowFor('BAD_VALUE')).toMatch(/resource class or trait named in an input/);
    expect(rowFor('NOT_FOUND')).not.toMatch(/unknown (provider, consumer, )?class/);
    for (const operation of [
      inventories('CUSTOM_NOPE'),
      claim(u(1), 'CUSTOM_NOPE'),
      candidates('').replace('"VCPU"', '"CUSTOM_NOPE"'),
      candidates('requiredTraits: ["CUSTOM_NOPE"]'),
      filter('requiredTraits: ["CUSTOM_NOPE"]'),
      `mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 1, traits: ["CUSTOM_NOPE"]}) { resourceProvider { uuid } } }`,
    ]) {
      await h.fails('BAD_VALUE', operation);
    }
  });

  it('says what NOT_FOUND, DUPLICATE_NAME and BAD_REQUEST cover, and they do', async () => {
    await h.fails('NOT_FOUND', claim(u(9), 'VCPU'));
    await h.fails('NOT_FOUND', `mutation { deleteResourceClass(input: {name: "CUSTOM_NOPE"}) { resourceClass { name } } }`);
    await h.fails('NOT_FOUND', `mutation { deleteTrait(input: {name: "CUSTOM_NOPE"}) { trait { name } } }`);
    await h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_GOLD"}) { resourceClass { name } } }`);
    await h.fails('DUPLICATE_NAME', `mutation { createResourceClass(input: {name: "CUSTOM_GOLD"}) { resourceClass { name } } }`);
    // A trait that exists is no DUPLICATE_NAME: ensureTrait is idempotent, as the table says.
    expect(rowFor('DUPLICATE_NAME')).toMatch(/ensureTrait/);
    for (let i = 0; i < 2; i++) await h.ok(`mutation { ensureTrait(input: {name: "CUSTOM_FAST"}) { created } }`);
    expect(rowFor('BAD_REQUEST')).toMatch(/no query/);
    const res = await createApp(h.db).fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('one wording per mistake', () => {
  it('an unknown resource class reads the same in candidates, allocations, inventories and filters', async () => {
    const messages = [
      await h.fails('BAD_VALUE', candidates('').replace('"VCPU"', '"CUSTOM_NOPE"')),
      await h.fails('BAD_VALUE', claim(u(1), 'CUSTOM_NOPE')),
      await h.fails('BAD_VALUE', inventories('CUSTOM_NOPE')),
      await h.fails('BAD_VALUE', filter('resources: [{resourceClass: "CUSTOM_NOPE", amount: 1}]')),
    ];
    expect(new Set(messages)).toEqual(new Set(['Unknown resource class: CUSTOM_NOPE']));
  });

  it('an unknown trait reads the same in candidates, filters and provider traits', async () => {
    const messages = [
      await h.fails('BAD_VALUE', candidates('requiredTraits: ["CUSTOM_NOPE"]')),
      await h.fails('BAD_VALUE', filter('requiredTraits: ["CUSTOM_NOPE"]')),
      await h.fails('BAD_VALUE', `mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 1, traits: ["CUSTOM_NOPE"]}) { resourceProvider { uuid } } }`),
    ];
    expect(new Set(messages)).toEqual(new Set(['Unknown trait: CUSTOM_NOPE']));
  });

  it('an unknown provider and a malformed uuid read the same in allocations and elsewhere', async () => {
    expect(await h.fails('NOT_FOUND', claim(u(9), 'VCPU'))).toBe(`No resource provider with uuid ${u(9)}`);
    expect(await h.fails('NOT_FOUND', inventories('VCPU').replace(u(1), u(9)))).toBe(`No resource provider with uuid ${u(9)}`);
    expect(await h.fails('BAD_VALUE', claim('nope', 'VCPU'))).toBe('provider uuid: "nope" is not a valid uuid');
    expect(await h.fails('BAD_VALUE', inventories('VCPU').replace(u(1), 'nope'))).toBe('provider uuid: "nope" is not a valid uuid');
    expect(await h.fails('BAD_VALUE', candidates('inTree: "nope"'))).toBe('unsuffixed group: inTree: "nope" is not a valid uuid');
  });

  it('an amount below 1 reads the same in candidates, allocations and filters', async () => {
    const zero = (q: string) => q.replace('amount: 1', 'amount: 0');
    expect(await h.fails('BAD_VALUE', zero(candidates('')))).toBe('unsuffixed group: amount of VCPU must be a positive integer');
    expect(await h.fails('BAD_VALUE', zero(claim(u(1), 'VCPU')))).toBe(`consumer ${u(100)}, provider ${u(1)}: amount of VCPU must be a positive integer`);
    expect(await h.fails('BAD_VALUE', filter('resources: [{resourceClass: "VCPU", amount: 0}]'))).toBe('resources: amount of VCPU must be a positive integer');
  });
});
