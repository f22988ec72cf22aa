// The claim pipeline (group commit, docs/concurrency.md): one-step claims made in this process
// queue in memory; one writer takes every claim waiting and places them all in one write
// transaction. It searches each against the current world with the room the batch has already
// taken counted in memory (two claims of one batch never pick the same last slot), locks the
// providers they picked once, re-checks them against the database, writes them together, and
// answers each claim on its own: a claim that fails fails alone, a claim that lost its room to
// another replica runs again in the next batch. setAllocations writes take the same queue, in
// batches of their own (attemptWrites). Whatever waits holds no database connection.

import { type ConsumerAllocations, validate, writeAllocations } from '../db/allocations.ts';
import type { WriteTx } from '../db/changes.ts';
import { type ClaimSent, heldClaim } from '../db/claimReplay.ts';
import type { Database, Tx } from '../db/client.ts';
import { type ConsumerRow, consumersByUuid, inventoriesOf, providersByUuid, usagesOf } from '../db/reads.ts';
import { expectGeneration, LostRace, lockProviders, writeTransaction } from '../db/tx.ts';
import { causes, isDatabaseUnavailable } from '../db/unavailable.ts';
import type { CandidatesRequest } from '../domain/candidates/request.ts';
import type { Candidate } from '../domain/candidates/search.ts';
import type { WorldProvider } from '../domain/candidates/world.ts';
import { DomainError, fail } from '../domain/errors.ts';
import { fits } from '../domain/inventory.ts';
import { parse, schemas } from '../domain/names.ts';
import { log } from '../log.ts';
import { metrics } from '../observability/metrics.ts';
import { type CandidateView, candidateView, type LoadedWorld, type Service, search, worldSources } from './service.ts';

/** How many candidates a one-step claim chooses from. */
export const ONE_STEP_CHOICES = 20;

/** Times in a row the writer tries to start a transaction before its claims answer UNAVAILABLE. */
const START_TRIES = 3;

/** Most claims in one transaction: a longer one holds its locks longer. */
const MAX_BATCH = 64;

export interface ClaimResult {
  consumerUuid: string;
  allocationRequest: CandidateView;
  replayed: boolean;
}

export interface Claim {
  service: Service;
  request: CandidatesRequest;
  sent: ClaimSent;
  /** Reads what the answer shows inside the transaction that made (or found) the claim, on every attempt. */
  readAnswer?: (tx: Tx, result: ClaimResult) => Promise<void>;
}

/** A setAllocations(Batch) write: the consumers' allocations as the client gave them. */
export interface Write {
  writes: ConsumerAllocations[];
  /** Reads what the answer shows, right after the write, inside its transaction. */
  readAnswer?: (tx: Tx, result: string[]) => Promise<void>;
}

const isWrite = (job: Claim | Write): job is Write => 'writes' in job;

interface Waiting<J extends Claim | Write = Claim | Write> {
  job: J;
  /** Times it lost its room to another writer and ran again. */
  reruns: number;
  resolve(result: J extends Claim ? ClaimResult : string[]): void;
  reject(err: unknown): void;
}

/** What one attempt made of a claim: its answer, its error, or "run again in the next batch". */
type Outcome = { result: ClaimResult | string[] } | { error: unknown } | { again: 'consumer' | 'race' };

/** What a claim picked, to be re-checked under the locks and written. */
interface Pick {
  uuid: string;
  write: ConsumerAllocations;
  view: CandidateView;
  candidate: Candidate;
  /** The consumer as it was, when the claim replaces what it holds. */
  old: ConsumerRow | undefined;
}

export class ClaimPipeline {
  private readonly queue: Waiting[] = [];
  private running = false;
  /** Transactions in a row that could not start in time. */
  private startFailures = 0;
  /** Batches run, claims answered, transactions that could not start in time and were tried again (tests and logs read them). */
  readonly stats = { batches: 0, claims: 0, startRetries: 0 };

  constructor(private readonly db: Database) {}

  submit(claim: Claim): Promise<ClaimResult> {
    return this.enqueue(claim);
  }

  /** setAllocations(Batch): written in a batch of writes, each as if alone (see runWrites). */
  submitWrite(write: Write): Promise<string[]> {
    return this.enqueue(write);
  }

  private enqueue<J extends Claim | Write>(job: J): Promise<J extends Claim ? ClaimResult : string[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, reruns: 0, resolve, reject } as Waiting);
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // After the current tick: claims that arrive together start in one batch.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        // Claims and writes go in batches of their own kind, in arrival order.
        const kind = isWrite(this.queue[0].job);
        let n = 1;
        while (n < Math.min(MAX_BATCH, this.queue.length) && isWrite(this.queue[n].job) === kind) n++;
        const batch = this.queue.splice(0, n);
        // run() answers every claim; should it fail itself, no claim may be left waiting for ever.
        await this.run(batch).catch((err) => {
          for (const w of batch) w.reject(err);
        });
      }
    } finally {
      this.running = false;
      if (this.queue.length) this.kick();
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    this.stats.batches++;
    const kind = isWrite(batch[0].job) ? 'write' : 'claim';
    metrics.batchSize.observe({ kind }, batch.length);
    let outcomes: Map<Waiting, Outcome>;
    try {
      outcomes = await writeTransaction(this.db, (tx) => (isWrite(batch[0].job) ? this.attemptWrites(tx, batch as Waiting<Write>[]) : this.attempt(tx, batch as Waiting<Claim>[])));
    } catch (err) {
      // No connection came in time, though the database answers (the pool was busy): the claims
      // keep their place and the writer tries again. Only an unreachable database fails them.
      if (couldNotStart(err) && ++this.startFailures < START_TRIES) {
        this.stats.startRetries++;
        metrics.startRetries.inc();
        log('warn', 'write transaction could not start in time; trying again', { claims: batch.length });
        this.queue.unshift(...batch);
        return;
      }
      this.startFailures = 0;
      // A batch failed as a whole (an error no claim was checked for): run it again claim by claim,
      // so that the failure stays with the claim that causes it. An unreachable database fails all.
      if (batch.length > 1 && !isDatabaseUnavailable(err)) {
        for (const w of batch) await this.run([w]);
        return;
      }
      for (const w of batch) w.reject(err);
      this.stats.claims += batch.length;
      metrics.claims.inc({ kind, result: codeOf(err) }, batch.length);
      return;
    }
    this.startFailures = 0;
    const again: Waiting[] = [];
    for (const w of batch) {
      const o = outcomes.get(w)!;
      if ('again' in o && (o.again === 'consumer' || ++w.reruns <= this.db.settings.writeRetries)) {
        if (o.again === 'race') {
          metrics.writeRetries.inc({ reason: 'claim_room_taken' });
          log('warn', 'claim lost its room to another writer; running it again', { rerun: w.reruns });
        }
        again.push(w);
        continue;
      }
      this.stats.claims++;
      metrics.claims.inc({ kind, result: 'result' in o ? 'ok' : 'error' in o ? codeOf(o.error) : 'CONCURRENT_UPDATE' });
      if ('result' in o) w.resolve(o.result as never);
      else if ('error' in o) w.reject(o.error);
      else w.reject(new DomainError('CONCURRENT_UPDATE', `Other writers kept taking the room found; gave up after ${w.reruns} attempts`));
    }
    // First in the next batch: a claim that ran again never waits behind newer ones.
    this.queue.unshift(...again);
  }

  /** One attempt at the whole batch inside `tx`; its outcomes count only if the transaction commits. */
  private async attempt(tx: WriteTx, batch: Waiting<Claim>[]): Promise<Map<Waiting, Outcome>> {
    const outcomes = new Map<Waiting, Outcome>();
    const uuids = new Map<Waiting<Claim>, string>();
    for (const w of batch) {
      try {
        uuids.set(w, parse(schemas.uuid, w.job.sent.consumerUuid, 'consumer uuid'));
      } catch (err) {
        outcomes.set(w, { error: err });
      }
    }
    const consumers = new Map((await consumersByUuid(tx, [...new Set(uuids.values())])).map((c) => [c.uuid, c]));
    // Each batch looks first at trees from a random place on: batches of other replicas then
    // rarely pick (and lock) the same providers, and need not wait for each other's commits.
    const sources = await worldSources(batch[0].job.service, tx, Math.random());
    // Room this batch has taken so far, by provider id and class: what the next claim's search adds.
    const taken = new Map<number, Map<string, number>>();
    const adjust = (world: LoadedWorld): LoadedWorld => (taken.size ? { ...world, providers: withUsage(world.providers, taken) } : world);
    const picks = new Map<Waiting<Claim>, Pick>();
    const writing = new Set<string>();

    for (const [w, uuid] of uuids) {
      const { service, request, sent } = w.job;
      const consumer = consumers.get(uuid);
      try {
        // The same claim sent again after it happened: its answer is the claim held (nothing to write).
        if (consumer && consumer.generation === (sent.consumerGeneration ?? 0) + 1) {
          const held = await heldClaim(tx, this.db.kind, request, sent, service.config.candidates);
          if (held.replay) {
            const allocationRequest = candidateView(held.replay.world, held.replay.candidate);
            outcomes.set(w, { result: { consumerUuid: uuid, allocationRequest, replayed: true } });
            continue;
          }
        }
        // One write per consumer and transaction: another claim for it waits for the next batch.
        if (writing.has(uuid)) {
          outcomes.set(w, { again: 'consumer' });
          continue;
        }
        const limited = { ...request, limit: Math.min(request.limit ?? ONE_STEP_CHOICES, ONE_STEP_CHOICES) };
        const choices = await search(service, limited, sources(limited), (world, result) => result.candidates.map((c) => ({ c, view: candidateView(world, c) })), adjust);
        if (!choices.length) fail('NO_CANDIDATE', 'No allocation candidate fits the request');
        const [checked] = validate([{ ...sent, allocations: [] }]);
        expectGeneration('consumer', uuid, sent.consumerGeneration, consumer?.generation ?? null);
        // Any of the first candidates: replicas claiming at once then rarely want the same providers.
        const chosen = choices[Math.floor(Math.random() * choices.length)];
        picks.set(w, { uuid, write: { ...checked, allocations: chosen.view.allocations }, view: chosen.view, candidate: chosen.c, old: consumer });
        writing.add(uuid);
        for (const a of chosen.c.allocations) for (const r of a.resources) add(taken, a.rp, r.resourceClass, r.amount);
      } catch (err) {
        // A claim's own failure is its answer; anything else (a statement failed) fails the attempt.
        if (!(err instanceof DomainError)) throw err;
        outcomes.set(w, { error: err });
      }
    }

    let locked = new Map<number, number>();
    let classes = new Map<string, number>();
    if (picks.size) {
      const checked = await this.recheck(tx, picks);
      ({ locked, classes } = checked);
      for (const w of checked.lost) {
        picks.delete(w);
        outcomes.set(w, { again: 'race' });
      }
    }
    if (picks.size) {
      // What recheck did (consumers read, providers locked, capacity checked) writeAllocations need not do again.
      const providers = new Map<string, { id: number; generation: number }>();
      for (const p of picks.values()) {
        for (const [i, a] of p.candidate.allocations.entries()) providers.set(p.view.allocations[i].providerUuid, { id: a.rp, generation: locked.get(a.rp)! });
      }
      try {
        await writeAllocations(
          tx,
          [...picks.values()].map((p) => p.write),
          { consumers, providers, classes },
        );
      } catch (err) {
        // Every generation was checked in this transaction: a conflict now is a consumer another
        // replica created meanwhile (a copy of a claim). The batch runs again and sees it.
        if (err instanceof DomainError && err.code === 'CONCURRENT_UPDATE') throw new LostRace();
        throw err;
      }
      for (const [w, p] of picks) outcomes.set(w, { result: { consumerUuid: p.uuid, allocationRequest: p.view, replayed: false } });
    }
    // The answers, read side by side in this transaction (their reads share statements: payload.ts).
    await Promise.all([...outcomes].map(([w, o]) => ('result' in o ? (w as Waiting<Claim>).job.readAnswer?.(tx, o.result as ClaimResult) : undefined)));
    return outcomes;
  }

  /**
   * A batch of setAllocations writes: each runs as if alone, one after the other in this
   * transaction (so each is checked against the ones before it), in a savepoint of its own, and its
   * answer is read right after it. A write refused (capacity, generation, a bad value) is rolled back
   * to its savepoint and answers alone. The providers of the whole batch are locked first, in id order.
   */
  private async attemptWrites(tx: WriteTx, batch: Waiting<Write>[]): Promise<Map<Waiting, Outcome>> {
    const outcomes = new Map<Waiting, Outcome>();
    const uuids = [...new Set(batch.flatMap((w) => w.job.writes.flatMap((c) => c.allocations.map((a) => String(a.providerUuid).toLowerCase()))))];
    if (uuids.length)
      await lockProviders(
        tx,
        (await providersByUuid(tx, uuids)).map((p) => p.id),
      );
    for (const w of batch) {
      for (let attempt = 0; ; attempt++) {
        await tx.$executeRawUnsafe('SAVEPOINT pipeline_write');
        try {
          const result = await writeAllocations(tx, w.job.writes);
          await w.job.readAnswer?.(tx, result);
          await tx.$executeRawUnsafe('RELEASE SAVEPOINT pipeline_write');
          outcomes.set(w, { result });
          break;
        } catch (err) {
          // A statement that failed (not a refusal) fails the attempt: the batch then runs write by write.
          if (!(err instanceof DomainError || err instanceof LostRace)) throw err;
          await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT pipeline_write');
          await tx.$executeRawUnsafe('RELEASE SAVEPOINT pipeline_write');
          if (err instanceof DomainError) {
            outcomes.set(w, { error: err });
            break;
          }
          // Lost a generation race to another writer: this write alone runs again.
          metrics.writeRetries.inc({ reason: 'lost_race' });
          log('warn', 'write lost a generation race; running it again', { attempt: attempt + 1 });
          if (attempt >= this.db.settings.writeRetries) {
            outcomes.set(w, { error: new DomainError('CONCURRENT_UPDATE', `Another writer kept changing the same providers; gave up after ${attempt + 1} attempts`) });
            break;
          }
        }
      }
    }
    return outcomes;
  }

  /**
   * Locks the providers picked (PostgreSQL: FOR UPDATE, in id order) and checks every pick against
   * the database, in batch order, with the earlier picks counted. Returns the claims whose room is
   * gone (another replica took it after the search read the world): they run again; and the
   * generations of the providers locked and the ids of their inventories' classes.
   */
  private async recheck(tx: WriteTx, picks: Map<Waiting<Claim>, Pick>): Promise<{ lost: Waiting<Claim>[]; locked: Map<number, number>; classes: Map<string, number> }> {
    const ids = [...new Set([...picks.values()].flatMap((p) => p.candidate.allocations.map((a) => a.rp)))];
    const locked = await lockProviders(tx, ids);
    const rewritten = [...picks.values()].flatMap((p) => (p.old ? [p.old.id] : []));
    const [inventories, usages] = await Promise.all([inventoriesOf(tx, ids), usagesOf(tx, ids, rewritten)]);
    const key = (rp: number, rc: string) => `${rp}:${rc}`;
    const used = new Map(usages.map((u) => [key(u.providerId, u.resourceClass), u.used]));
    const stock = new Map(inventories.map((i) => [key(i.providerId, i.resourceClass), i]));
    const lost: Waiting<Claim>[] = [];
    for (const [w, p] of picks) {
      const parts = p.candidate.allocations.flatMap((a) => a.resources.map((r) => ({ k: key(a.rp, r.resourceClass), rp: a.rp, amount: r.amount })));
      const ok = parts.every(({ k, rp, amount }) => locked.has(rp) && stock.has(k) && fits(stock.get(k)!, used.get(k) ?? 0, amount));
      if (!ok) {
        lost.push(w);
        continue;
      }
      for (const { k, amount } of parts) used.set(k, (used.get(k) ?? 0) + amount);
    }
    return { lost, locked, classes: new Map(inventories.map((i) => [i.resourceClass, i.resourceClassId])) };
  }
}

/** Prisma's "could not start a transaction in time" (P2028): every connection was busy, or none could be made. */
function couldNotStart(err: unknown): boolean {
  return causes(err).some((e) => /Unable to start a transaction in the given time/.test(String(e.message ?? '')));
}

function add(into: Map<number, Map<string, number>>, rp: number, rc: string, amount: number): void {
  const classes = into.get(rp) ?? new Map<string, number>();
  into.set(rp, classes);
  classes.set(rc, (classes.get(rc) ?? 0) + amount);
}

/**
 * The providers of a world with the room a batch has taken counted as used: copies of the touched
 * providers over the others (a world's own provider objects may be the cache's, and never change).
 */
function withUsage(base: ReadonlyMap<number, WorldProvider>, taken: ReadonlyMap<number, ReadonlyMap<string, number>>): ReadonlyMap<number, WorldProvider> {
  const copies = new Map<number, WorldProvider>();
  for (const [id, classes] of taken) {
    const p = base.get(id);
    if (!p) continue;
    const stock = new Map(p.stock);
    for (const [rc, amount] of classes) {
      const s = stock.get(rc);
      if (s) stock.set(rc, { ...s, used: s.used + amount });
    }
    copies.set(id, { ...p, stock });
  }
  const current = (id: number, p: WorldProvider) => copies.get(id) ?? p;
  function* entries(): IterableIterator<[number, WorldProvider]> {
    for (const [id, p] of base) yield [id, current(id, p)];
  }
  function* values(): IterableIterator<WorldProvider> {
    for (const [id, p] of base) yield current(id, p);
  }
  const view = {
    get size() {
      return base.size;
    },
    get: (id: number) => copies.get(id) ?? base.get(id),
    has: (id: number) => base.has(id),
    keys: () => base.keys(),
    values,
    entries,
    [Symbol.iterator]: entries,
    forEach(fn: (p: WorldProvider, id: number, map: ReadonlyMap<number, WorldProvider>) => void) {
      for (const [id, p] of entries()) fn(p, id, view as unknown as ReadonlyMap<number, WorldProvider>);
    },
  };
  return view as unknown as ReadonlyMap<number, WorldProvider>;
}

/** An answer's error code for metrics: a domain error's own, anything else unexpected. */
const codeOf = (err: unknown) => (err instanceof DomainError ? err.code : isDatabaseUnavailable(err) ? 'UNAVAILABLE' : 'INTERNAL_SERVER_ERROR');

const pipelines = new WeakMap<Database, ClaimPipeline>();

/** The one claim pipeline of a database (so of a replica). */
export function claimPipeline(db: Database): ClaimPipeline {
  let p = pipelines.get(db);
  if (!p) pipelines.set(db, (p = new ClaimPipeline(db)));
  return p;
}
