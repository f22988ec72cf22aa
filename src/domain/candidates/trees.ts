// The trees a request can use, chosen in memory from a whole world held by a cache: the twin of
// the database's root walk (src/db/candidates.ts), held to the same answer by
// test/sharingReach.test.ts. A tree matters when one of its providers has room for one requested
// (class, amount), or when a sharing provider with such room reaches it (sharingReach). A limited
// request walks roots in order and stops early.

import { fits } from '../inventory.ts';
import type { CandidatesRequest } from './request.ts';
import { isSharing, membersByAggregate, sharingReach, type World, type WorldProvider } from './world.ts';

/** Tree and aggregate structure of a world, by provider id; valid until a tree, trait or aggregate changes. */
export interface WorldTrees {
  /** Roots in id order. */
  roots: number[];
  /** Provider ids of each tree, in id order. */
  members: Map<number, number[]>;
  /** Provider ids per aggregate uuid. */
  byAggregate: Map<string, number[]>;
  /** Providers with the sharing trait. */
  sharing: number[];
}

export function indexTrees(providers: ReadonlyMap<number, WorldProvider>): WorldTrees {
  const sorted = [...providers.values()].sort((a, b) => a.id - b.id);
  const trees: WorldTrees = { roots: [], members: new Map(), byAggregate: membersByAggregate(sorted), sharing: [] };
  for (const p of sorted) {
    if (p.parentId === null) trees.roots.push(p.id);
    const members = trees.members.get(p.rootId);
    if (members) members.push(p.id);
    else trees.members.set(p.rootId, [p.id]);
    if (isSharing(p)) trees.sharing.push(p.id);
  }
  return trees;
}

/** Whether a change from `a` to `b` leaves the tree and aggregate structure as it was. */
export function sameStructure(a: WorldProvider, b: WorldProvider): boolean {
  const sameSet = (x: ReadonlySet<string>, y: ReadonlySet<string>) => x.size === y.size && [...x].every((v) => y.has(v));
  return a.parentId === b.parentId && a.rootId === b.rootId && sameSet(a.aggregates, b.aggregates) && isSharing(a) === isSharing(b);
}

/**
 * The part of `providers` (which must iterate in id order) a search for `req` needs: whole trees, in id order. With `maxRoots`, at
 * most that many trees with room (plus those sharing providers reach), walking the roots from the
 * one `start` (in [0, 1)) of the way along; `truncated` says whether more were left out.
 */
export function selectWorld(
  providers: ReadonlyMap<number, WorldProvider>,
  trees: WorldTrees,
  req: CandidatesRequest,
  classIds: ReadonlyMap<string, number>,
  maxRoots?: number,
  start = 0,
): World & { truncated: boolean } {
  const asks: [string, number][] = [];
  for (const g of req.groups) for (const [rc, amount] of g.resources) if (!asks.some(([c, n]) => c === rc && n === amount)) asks.push([rc, amount]);
  const hasRoom = (id: number) => {
    const p = providers.get(id)!;
    return asks.some(([rc, amount]) => {
      const s = p.stock.get(rc);
      return s !== undefined && fits(s, s.used, amount);
    });
  };

  const roots = new Set<number>();
  let direct = 0;
  // A limited walk may start at any root (`start`, a fraction of the way) and wrap around.
  const first = maxRoots === undefined ? 0 : Math.floor(start * trees.roots.length) % Math.max(1, trees.roots.length);
  for (let i = 0; i < trees.roots.length; i++) {
    if (maxRoots !== undefined && direct === maxRoots) break;
    const root = trees.roots[(first + i) % trees.roots.length];
    if (trees.members.get(root)!.some(hasRoom)) {
      roots.add(root);
      direct++;
    }
  }
  for (const id of trees.sharing) {
    if (!hasRoom(id)) continue;
    for (const root of sharingReach(providers.get(id)!, trees.byAggregate, (member) => providers.get(member)!.rootId)) roots.add(root);
  }

  const truncated = maxRoots !== undefined && direct === maxRoots;
  // Every tree matters (the usual unlimited request): the whole world as it is, in id order.
  if (roots.size === trees.roots.length) return { providers, classIds, truncated, aggregateMembers: trees.byAggregate };
  const chosen = new Map<number, WorldProvider>();
  const ids = [...roots].flatMap((root) => trees.members.get(root)!).sort((a, b) => a - b);
  for (const id of ids) chosen.set(id, providers.get(id)!);
  return { providers: chosen, classIds, truncated };
}
