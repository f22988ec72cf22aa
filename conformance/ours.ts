// Drives this server, in-process through yoga.fetch on a real SQLite file, with the neutral
// scenario language of model.ts: the counterpart of rest.ts.

import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
// The test suite's database harness: a fresh SQLite file (or PostgreSQL schema) per driver.
import { emptyDatabase, openTestDatabase } from '../test/database.ts';
import { CANDIDATES_QUERY, candidatesInput, toAnswer } from './candidatesQuery.ts';
import { type Answer, type CandidateRequest, customNames, type Driver, inventoryOf, type Topology } from './model.ts';

/** Codes that mean "the request itself is bad": the reference's 400. */
const BAD_REQUEST = new Set(['BAD_VALUE', 'DUPLICATE_KEY', 'BAD_USER_INPUT']);

export class Ours implements Driver {
  private constructor(
    readonly db: Database,
    private app: App,
    private drop: () => Promise<void>,
  ) {}

  /** A fresh database; by default with no cap on candidates, since conformance compares complete answers. */
  static async open(env: Record<string, string> = { PLACEMENT_MAX_CANDIDATES: '-1' }): Promise<Ours> {
    const { db, drop } = await openTestDatabase();
    return new Ours(db, createApp(db, configFromEnv(env)), drop);
  }

  close(): Promise<void> {
    return this.drop();
  }

  async gql(query: string, variables?: Record<string, unknown>): Promise<any> {
    const res = await this.app.fetch('http://conformance/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  }

  private async must(query: string, variables?: Record<string, unknown>): Promise<any> {
    const r = await this.gql(query, variables);
    if (r.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(r.errors)}`);
    return r.data;
  }

  reset(): Promise<void> {
    return emptyDatabase(this.db);
  }

  async load(t: Topology): Promise<void> {
    const custom = customNames(t);
    for (const name of custom.classes) await this.must(`mutation($name: String!) { ensureResourceClass(input: {name: $name}) { created } }`, { name });
    for (const name of custom.traits) await this.must(`mutation($name: String!) { ensureTrait(input: {name: $name}) { created } }`, { name });
    for (const p of t.providers) {
      await this.must(`mutation($input: CreateResourceProviderInput!) { createResourceProvider(input: $input) { resourceProvider { uuid } } }`, {
        input: { uuid: p.uuid, name: p.name, parentUuid: p.parent ?? null },
      });
      let generation = 0;
      const inventories = Object.entries(p.inventories ?? {}).map(([resourceClass, v]) => ({ resourceClass, ...inventoryOf(v) }));
      if (inventories.length) {
        const d = await this.must(`mutation($input: SetInventoriesInput!) { setInventories(input: $input) { resourceProvider { generation } } }`, {
          input: { providerUuid: p.uuid, providerGeneration: generation, inventories },
        });
        generation = d.setInventories.resourceProvider.generation;
      }
      if (p.traits?.length) {
        const d = await this.must(`mutation($input: SetProviderTraitsInput!) { setProviderTraits(input: $input) { resourceProvider { generation } } }`, {
          input: { providerUuid: p.uuid, providerGeneration: generation, traits: p.traits },
        });
        generation = d.setProviderTraits.resourceProvider.generation;
      }
      if (p.aggregates?.length) {
        await this.must(`mutation($input: SetProviderAggregatesInput!) { setProviderAggregates(input: $input) { resourceProvider { generation } } }`, {
          input: { providerUuid: p.uuid, providerGeneration: generation, aggregates: p.aggregates },
        });
      }
    }
    for (const c of t.consumers ?? []) {
      await this.must(`mutation($input: SetAllocationsInput!) { setAllocations(input: $input) { consumers { uuid } } }`, {
        input: {
          consumer: {
            consumerUuid: c.uuid,
            consumerGeneration: null,
            projectId: 'conformance',
            userId: 'conformance',
            consumerType: 'INSTANCE',
            allocations: Object.entries(c.allocations).map(([providerUuid, resources]) => ({
              providerUuid,
              resources: Object.entries(resources).map(([resourceClass, amount]) => ({ resourceClass, amount })),
            })),
          },
        },
      });
    }
  }

  async candidates(r: CandidateRequest): Promise<Answer> {
    const res = await this.gql(CANDIDATES_QUERY, { request: candidatesInput(r) });
    if (res.errors) {
      const codes = res.errors.map((e: any) => e.extensions?.code);
      if (codes.every((c: string) => BAD_REQUEST.has(c))) return { status: 'bad_request', message: res.errors[0].message };
      throw new Error(`allocationCandidates failed: ${JSON.stringify(res.errors)}`);
    }
    return toAnswer(res.data.allocationCandidates);
  }
}
