// The two servers under measurement, behind one interface: this one over GraphQL, the reference
// over REST (microversion 1.39). Every call is real HTTP on loopback.
import { candidatesInput } from '../../conformance/candidatesQuery.ts';
import { type CandidateRequest, inventoryOf, type ProviderSpec } from '../../conformance/model.ts';
import { queryString, Reference } from '../../conformance/rest.ts';
import { type HttpAnswer, httpRequest } from './http.ts';

export type Allocations = { providerUuid: string; resources: Record<string, number> }[];
export type ClaimResult = 'OK' | 'CONFLICT' | 'CAPACITY' | 'ERROR';

export interface Target {
  name: string;
  /** Creates the providers (custom names first); `batch` providers per round trip where the API allows. */
  load(providers: ProviderSpec[]): Promise<void>;
  /** Number of candidates, the first one's allocations, and one picked at random (as a scheduler's weighing spreads claims). */
  candidates(req: CandidateRequest, limit?: number): Promise<{ count: number; first?: Allocations; any?: Allocations }>;
  claim(consumer: string, allocations: Allocations): Promise<ClaimResult>;
  /** Every tree with inventories, usages, traits and aggregates; returns how many providers were read. */
  dashboard?(): Promise<number>;
  /** Every tree drawn whole from its root, with per-class totals over each subtree; returns how many providers were read. */
  treeDashboard?(): Promise<number>;
  /** Issue 15: why each tree is or is not a candidate, over the whole cloud; returns how many trees were judged. */
  explain?(req: CandidateRequest): Promise<{ considered: number; fitting: number }>;
  /** Search and claim in one call, where the API has it. */
  claimOneStep?(consumer: string, req: CandidateRequest): Promise<ClaimResult>;
}

const json = (res: HttpAnswer): any => (res.text ? JSON.parse(res.text) : null);

const pickOne = <T>(xs: T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

/** This server over GraphQL; with several replicas, each request goes to the next one (round robin, as a load balancer would). */
export class GraphqlTarget implements Target {
  name = 'placement-graphql';
  private ensured = new Set<string>();
  private turn = 0;
  constructor(public urls: string[]) {}

  async gql(query: string, variables?: unknown): Promise<any> {
    const url = this.urls[this.turn++ % this.urls.length];
    return json(await httpRequest(url, 'POST', { 'content-type': 'application/json' }, JSON.stringify({ query, variables })));
  }

  private async ensureNames(providers: ProviderSpec[]) {
    for (const p of providers) {
      for (const rc of Object.keys(p.inventories ?? {}))
        if (rc.startsWith('CUSTOM_') && !this.ensured.has(rc)) {
          await this.gql(`mutation { ensureResourceClass(input: {name: "${rc}"}) { created } }`);
          this.ensured.add(rc);
        }
      for (const t of p.traits ?? [])
        if (t.startsWith('CUSTOM_') && !this.ensured.has(t)) {
          await this.gql(`mutation { ensureTrait(input: {name: "${t}"}) { created } }`);
          this.ensured.add(t);
        }
    }
  }

  /** One request per batch of providers: create, inventories, traits, aggregates as aliased mutations (generations are known: 0, 1, 2). */
  async load(providers: ProviderSpec[]): Promise<void> {
    await this.ensureNames(providers);
    const parts: string[] = [];
    const variables: Record<string, unknown> = {};
    const defs: string[] = [];
    providers.forEach((p, i) => {
      let generation = 0;
      defs.push(`$c${i}: CreateResourceProviderInput!`);
      variables[`c${i}`] = { uuid: p.uuid, name: p.name, parentUuid: p.parent ?? null };
      parts.push(`c${i}: createResourceProvider(input: $c${i}) { resourceProvider { generation } }`);
      const inventories = Object.entries(p.inventories ?? {}).map(([resourceClass, v]) => ({ resourceClass, ...inventoryOf(v) }));
      if (inventories.length) {
        defs.push(`$i${i}: SetInventoriesInput!`);
        variables[`i${i}`] = { providerUuid: p.uuid, providerGeneration: generation++, inventories };
        parts.push(`i${i}: setInventories(input: $i${i}) { resourceProvider { generation } }`);
      }
      if (p.traits?.length) {
        defs.push(`$t${i}: SetProviderTraitsInput!`);
        variables[`t${i}`] = { providerUuid: p.uuid, providerGeneration: generation++, traits: p.traits };
        parts.push(`t${i}: setProviderTraits(input: $t${i}) { resourceProvider { generation } }`);
      }
      if (p.aggregates?.length) {
        defs.push(`$a${i}: SetProviderAggregatesInput!`);
        variables[`a${i}`] = { providerUuid: p.uuid, providerGeneration: generation++, aggregates: p.aggregates };
        parts.push(`a${i}: setProviderAggregates(input: $a${i}) { resourceProvider { generation } }`);
      }
    });
    const r = await this.gql(`mutation(${defs.join(', ')}) { ${parts.join('\n')} }`, variables);
    if (r.errors) throw new Error(`load failed: ${JSON.stringify(r.errors[0])}`);
  }

  async candidates(req: CandidateRequest, limit?: number) {
    const r = await this.gql(
      `query($r: AllocationCandidatesInput!) { allocationCandidates(request: $r) {
        allocationRequests { allocations { providerUuid resources { resourceClass amount } } mappings { suffix providerUuids } }
        providerSummaries { uuid parentUuid rootUuid traits resources { resourceClass capacity used } } } }`,
      { r: candidatesInput({ ...req, limit }) },
    );
    if (r.errors) throw new Error(`candidates failed: ${JSON.stringify(r.errors[0])}`);
    const ars = r.data.allocationCandidates.allocationRequests;
    const allocations = (ar: any): Allocations | undefined =>
      ar?.allocations.map((a: any) => ({ providerUuid: a.providerUuid, resources: Object.fromEntries(a.resources.map((x: any) => [x.resourceClass, x.amount])) }));
    return { count: ars.length, first: allocations(ars[0]), any: allocations(pickOne(ars)) };
  }

  async claim(consumer: string, allocations: Allocations): Promise<ClaimResult> {
    const r = await this.gql(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`, {
      i: {
        consumer: {
          consumerUuid: consumer,
          consumerGeneration: null,
          projectId: 'bench',
          userId: 'bench',
          consumerType: 'INSTANCE',
          allocations: allocations.map((a) => ({ providerUuid: a.providerUuid, resources: Object.entries(a.resources).map(([resourceClass, amount]) => ({ resourceClass, amount })) })),
        },
      },
    });
    const code = r.errors?.[0]?.extensions?.code;
    if (code && code !== 'CONCURRENT_UPDATE' && code !== 'CAPACITY_EXCEEDED' && process.env.BENCH_DEBUG) console.error(JSON.stringify(r.errors));
    return !code ? 'OK' : code === 'CONCURRENT_UPDATE' ? 'CONFLICT' : code === 'CAPACITY_EXCEEDED' ? 'CAPACITY' : 'ERROR';
  }

  /** The fields a client reads to answer "no valid host" (default limit: 100 trees listed, the summary over all). */
  async explain(req: CandidateRequest) {
    const r = await this.gql(
      `query($r: AllocationCandidatesInput!) { explainAllocationCandidates(request: $r) {
        treesConsidered
        trees { rootUuid fits reasons { kind message } wouldFitIf { message } }
        summary { fitting reasons { message trees } bestChange { message } largestFree { resourceClass free } } } }`,
      { r: candidatesInput(req) },
    );
    if (r.errors) throw new Error(`explain failed: ${JSON.stringify(r.errors[0])}`);
    const e = r.data.explainAllocationCandidates;
    return { considered: e.treesConsidered, fitting: e.summary.fitting };
  }

  /** This server's own way: search and claim in one request (claimAllocationCandidate). */
  async claimOneStep(consumer: string, req: CandidateRequest): Promise<ClaimResult> {
    const r = await this.gql(`mutation($i: ClaimAllocationCandidateInput!) { claimAllocationCandidate(input: $i) { consumer { generation } } }`, {
      i: { request: candidatesInput(req), consumerUuid: consumer, consumerGeneration: null, projectId: 'bench', userId: 'bench', consumerType: 'INSTANCE' },
    });
    const code = r.errors?.[0]?.extensions?.code;
    return !code ? 'OK' : code === 'NO_CANDIDATE' || code === 'CAPACITY_EXCEEDED' ? 'CAPACITY' : code === 'CONCURRENT_UPDATE' ? 'CONFLICT' : 'ERROR';
  }

  async dashboard(): Promise<number> {
    let after: string | null = null;
    let read = 0;
    do {
      const r: any = await this.gql(
        `query($after: String) { resourceProviders(first: 1000, after: $after, filter: {}) {
          pageInfo { hasNextPage endCursor }
          edges { node { uuid name generation parent { uuid } inventories { resourceClass total reserved capacity used } usages { resourceClass used } traits aggregates } } } }`,
        { after },
      );
      if (r.errors) throw new Error(`dashboard failed: ${JSON.stringify(r.errors[0])}`);
      read += r.data.resourceProviders.edges.length;
      after = r.data.resourceProviders.pageInfo.hasNextPage ? r.data.resourceProviders.pageInfo.endCursor : null;
    } while (after);
    return read;
  }

  /** Issue 13's way: roots only, each with its subtree (parent, depth, totals) in one list; pages of 1000 roots. */
  async treeDashboard(): Promise<number> {
    let after: string | null = null;
    let read = 0;
    do {
      const r: any = await this.gql(
        `query($after: String) { resourceProviders(first: 1000, after: $after, filter: {rootsOnly: true}) {
          pageInfo { hasNextPage endCursor }
          edges { node { uuid name subtreeTotals { resourceClass capacity used free }
            subtree { uuid name parentUuid depth totals { resourceClass capacity used free } } } } } }`,
        { after },
      );
      if (r.errors) throw new Error(`tree dashboard failed: ${JSON.stringify(r.errors[0])}`);
      for (const e of r.data.resourceProviders.edges) read += e.node.subtree.length;
      after = r.data.resourceProviders.pageInfo.hasNextPage ? r.data.resourceProviders.pageInfo.endCursor : null;
    } while (after);
    return read;
  }
}

export class RestTarget implements Target {
  name = 'reference';
  private driver: Reference;
  constructor(readonly base: string) {
    this.driver = new Reference(base);
  }

  /** As referenceFetch, through the bench's client. */
  call(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { 'x-auth-token': 'admin', 'openstack-api-version': 'placement 1.39', accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return httpRequest(this.base + path, method, headers, body === undefined ? undefined : JSON.stringify(body));
  }

  private async must(method: string, path: string, body?: unknown) {
    const res = await this.call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.text}`);
    return json(res);
  }

  /** The REST API has no batch: four calls per provider, as the reference's own perfload does. */
  load(providers: ProviderSpec[]): Promise<void> {
    return this.driver.load({ providers });
  }

  async candidates(req: CandidateRequest, limit?: number) {
    const r = await this.must('GET', `/allocation_candidates?${queryString({ ...req, limit })}`);
    const allocations = (ar: any): Allocations | undefined => ar && Object.entries<any>(ar.allocations).map(([providerUuid, v]) => ({ providerUuid, resources: v.resources }));
    return { count: r.allocation_requests.length, first: allocations(r.allocation_requests[0]), any: allocations(pickOne(r.allocation_requests)) };
  }

  async claim(consumer: string, allocations: Allocations): Promise<ClaimResult> {
    const res = await this.call('PUT', `/allocations/${consumer}`, {
      allocations: Object.fromEntries(allocations.map((a) => [a.providerUuid, { resources: a.resources }])),
      project_id: 'bench',
      user_id: 'bench',
      consumer_generation: null,
      consumer_type: 'INSTANCE',
    });
    if (res.status === 204) return 'OK';
    const body = res.text;
    if (res.status === 409) return /concurrent_update/.test(body) ? 'CONFLICT' : 'CAPACITY';
    return 'ERROR';
  }
}
