// Drives the reference implementation (OpenStack Placement, REST, microversion 1.39) with the
// neutral scenario language of model.ts. Used only by the recorder and the fuzzer, never by
// `npm test`.
import { type Answer, type CandidateRequest, canonicalCandidate, customNames, type Driver, inventoryOf, okAnswer, type SummarySpec, type Topology } from './model.ts';

/** One REST call to the reference as admin at microversion 1.39 (noauth2 deployments). */
export function referenceFetch(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(base + path, {
    method,
    headers: {
      'x-auth-token': 'admin',
      'openstack-api-version': 'placement 1.39',
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export class Reference implements Driver {
  constructor(readonly base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await referenceFetch(this.base, method, path, body);
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  private async must(method: string, path: string, body?: unknown, ok: number[] = [200, 201, 204]) {
    const r = await this.call(method, path, body);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json;
  }

  /** Removes every consumer's allocations and every provider, deepest first. */
  async reset(): Promise<void> {
    const { resource_providers: rps } = await this.must('GET', '/resource_providers');
    const consumers = new Set<string>();
    for (const rp of rps) {
      const { allocations } = await this.must('GET', `/resource_providers/${rp.uuid}/allocations`);
      for (const c of Object.keys(allocations)) consumers.add(c);
    }
    for (const c of consumers) await this.must('DELETE', `/allocations/${c}`, undefined, [204, 404]);
    const parent = new Map<string, string | null>(rps.map((rp: any) => [rp.uuid, rp.parent_provider_uuid]));
    const depth = (uuid: string): number => (parent.get(uuid) ? 1 + depth(parent.get(uuid)!) : 0);
    const ordered = [...parent.keys()].sort((a, b) => depth(b) - depth(a));
    for (const uuid of ordered) await this.must('DELETE', `/resource_providers/${uuid}`);
  }

  async load(t: Topology): Promise<void> {
    const custom = customNames(t);
    for (const rc of custom.classes) await this.must('PUT', `/resource_classes/${rc}`);
    for (const tr of custom.traits) await this.must('PUT', `/traits/${tr}`);
    for (const p of t.providers) {
      await this.must('POST', '/resource_providers', { uuid: p.uuid, name: p.name, parent_provider_uuid: p.parent ?? null });
      let generation = 0;
      if (p.inventories && Object.keys(p.inventories).length) {
        const inventories: Record<string, unknown> = {};
        for (const [rc, v] of Object.entries(p.inventories)) {
          const i = inventoryOf(v);
          inventories[rc] = {
            total: i.total,
            reserved: i.reserved ?? 0,
            min_unit: i.minUnit ?? 1,
            max_unit: i.maxUnit ?? 2147483647,
            step_size: i.stepSize ?? 1,
            allocation_ratio: i.allocationRatio ?? 1.0,
          };
        }
        generation = (await this.must('PUT', `/resource_providers/${p.uuid}/inventories`, { resource_provider_generation: generation, inventories })).resource_provider_generation;
      }
      if (p.traits?.length) generation = (await this.must('PUT', `/resource_providers/${p.uuid}/traits`, { resource_provider_generation: generation, traits: p.traits })).resource_provider_generation;
      if (p.aggregates?.length) await this.must('PUT', `/resource_providers/${p.uuid}/aggregates`, { resource_provider_generation: generation, aggregates: p.aggregates });
    }
    for (const c of t.consumers ?? []) {
      const allocations: Record<string, unknown> = {};
      for (const [rp, resources] of Object.entries(c.allocations)) allocations[rp] = { resources };
      await this.must('PUT', `/allocations/${c.uuid}`, {
        allocations,
        project_id: 'conformance',
        user_id: 'conformance',
        consumer_generation: null,
        consumer_type: 'INSTANCE',
      });
    }
  }

  /** GET /allocation_candidates for the request, normalised. */
  async candidates(req: CandidateRequest): Promise<Answer> {
    const r = await this.call('GET', `/allocation_candidates?${queryString(req)}`);
    if (r.status === 400) return { status: 'bad_request', message: r.json?.errors?.[0]?.detail };
    if (r.status !== 200) throw new Error(`allocation_candidates → ${r.status}: ${JSON.stringify(r.json)}`);
    const candidates = r.json.allocation_requests.map((ar: any) => {
      const allocations: Record<string, Record<string, number>> = {};
      for (const [rp, v] of Object.entries<any>(ar.allocations)) allocations[rp] = v.resources;
      return canonicalCandidate(allocations, ar.mappings);
    });
    const summaries: Record<string, SummarySpec> = {};
    for (const [uuid, s] of Object.entries<any>(r.json.provider_summaries)) summaries[uuid] = { resources: s.resources, traits: s.traits, parent: s.parent_provider_uuid, root: s.root_provider_uuid };
    return okAnswer(candidates, summaries);
  }
}

/** The reference's query string for a request (1.39 syntax). */
export function queryString(req: CandidateRequest): string {
  const q = new URLSearchParams();
  for (const g of req.groups) {
    const s = g.suffix ?? '';
    if (g.resources && Object.keys(g.resources).length)
      q.append(
        `resources${s}`,
        Object.entries(g.resources)
          .map(([rc, n]) => `${rc}:${n}`)
          .join(','),
      );
    const plain = [...(g.required ?? []), ...(g.forbidden ?? []).map((t) => `!${t}`)];
    if (plain.length) q.append(`required${s}`, plain.join(','));
    for (const any of g.anyOf ?? []) q.append(`required${s}`, `in:${any.join(',')}`);
    for (const aggs of g.memberOf ?? []) q.append(`member_of${s}`, `in:${aggs.join(',')}`);
    if (g.forbiddenAggregates?.length) q.append(`member_of${s}`, `!in:${g.forbiddenAggregates.join(',')}`);
    if (g.inTree) q.append(`in_tree${s}`, g.inTree);
  }
  if (req.groupPolicy) q.append('group_policy', req.groupPolicy);
  for (const st of req.sameSubtree ?? []) q.append('same_subtree', st.join(','));
  const root = [...(req.rootRequired ?? []), ...(req.rootForbidden ?? []).map((t) => `!${t}`)];
  if (root.length) q.append('root_required', root.join(','));
  if (req.limit !== undefined) q.append('limit', String(req.limit));
  return q.toString();
}
