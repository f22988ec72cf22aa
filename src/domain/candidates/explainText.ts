// The sentences of an explanation (explain.ts): one per reason, per single change, per count.
// Programs read the typed fields; these are for the operator reading the answer.

import { capacity } from '../inventory.ts';
import { free, type Reason, type ReasonCount, shortBy } from './explain.ts';

/** A provider's display name by id. */
export type NameOf = (id: number) => string;

const list = (xs: string[] | null) => (xs ?? []).join(', ');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** "1 tree lacks", "3 trees lack". */
const trees = (n: number, verb: string, verbs = `${verb}s`) => `${plural(n, 'tree')} ${n === 1 ? verbs : verb}`;
const groupPrefix = (r: Reason) => (r.group === null ? '' : r.group === '' ? '' : `group ${r.group}: `);

export function reasonMessage(r: Reason, nameOf: NameOf): string {
  const who = r.provider === null ? null : nameOf(r.provider);
  const s = r.stock;
  const text = (): string => {
    switch (r.kind) {
      case 'CLASS_NOT_OFFERED':
        return who ? `${who} has no ${r.resourceClass} inventory` : `no provider of the tree, nor any sharing provider reaching it, offers ${r.resourceClass}`;
      case 'CAPACITY_SHORT':
        return (
          `${shortBy(r)} ${r.resourceClass} short on ${who}: ${r.requested} requested, ${free(s!)} free ` +
          `(capacity ${capacity(s!)} = (total ${s!.total} - reserved ${s!.reserved}) × allocation ratio ${s!.allocationRatio}; used ${s!.used})`
        );
      case 'BELOW_MIN_UNIT':
        return `${r.requested} ${r.resourceClass} is below min_unit ${s!.minUnit} on ${who}`;
      case 'ABOVE_MAX_UNIT':
        return `${r.requested} ${r.resourceClass} is above max_unit ${s!.maxUnit} on ${who}`;
      case 'NOT_STEP_MULTIPLE':
        return `${r.requested} ${r.resourceClass} is not a multiple of step_size ${s!.stepSize} on ${who}`;
      case 'TRAIT_MISSING':
        return who ? `${who} lacks ${list(r.traits)}` : `no choice of providers that could serve it has all of ${list(r.traits)}`;
      case 'ANY_OF_TRAITS_MISSING':
        return `${who ?? 'no provider that could serve it'} has none of ${list(r.traits)}`;
      case 'TRAIT_FORBIDDEN':
        return `${who ?? 'a provider it needs'} has forbidden ${list(r.traits)}`;
      case 'NOT_IN_AGGREGATE':
        return `${who} is in none of the aggregates ${list(r.aggregates)}`;
      case 'IN_FORBIDDEN_AGGREGATE':
        return `${who} is in forbidden aggregate ${list(r.aggregates)}`;
      case 'OUTSIDE_IN_TREE':
        return who ? `limited to the tree of ${who}` : 'limited to the tree of a provider that does not exist';
      case 'ROOT_TRAIT_MISSING':
        return `the root ${who} lacks ${list(r.traits)}`;
      case 'ROOT_TRAIT_FORBIDDEN':
        return `the root ${who} has forbidden ${list(r.traits)}`;
      case 'SAME_SUBTREE':
        return 'no choice of providers puts the sameSubtree groups under one of them';
      case 'ISOLATE':
        return 'the groups would have to share a provider, and groupPolicy is ISOLATE';
      case 'SHARING_UNREACHABLE':
        return `${r.resourceClass} is offered by the sharing provider ${who}, which shares no aggregate with this tree`;
      case 'COMBINED_CAPACITY':
        return 'each group fits on its own, but together they overfill a provider';
      case 'NOTHING_TO_MATCH':
        return 'a group without resources is matched only through required traits or aggregates';
    }
  };
  return groupPrefix(r) + text();
}

/** "fits if …": the change a verified wouldFitIf names. */
export function changeMessage(r: Reason, nameOf: NameOf): string {
  const who = r.provider === null ? 'the root' : nameOf(r.provider);
  switch (r.kind) {
    case 'CAPACITY_SHORT':
      // Freeing can give back only what is used; beyond that the capacity itself is short.
      return r.stock!.used >= shortBy(r)! ? `fits if ${shortBy(r)} more ${r.resourceClass} were free on ${who}` : `fits if the ${r.resourceClass} capacity of ${who} were ${shortBy(r)} higher`;
    case 'TRAIT_MISSING':
    case 'ANY_OF_TRAITS_MISSING':
    case 'ROOT_TRAIT_MISSING':
      return `fits if ${who} had ${r.traits![0]}`;
    case 'TRAIT_FORBIDDEN':
    case 'ROOT_TRAIT_FORBIDDEN':
      return `fits if ${who} did not have ${list(r.traits)}`;
    case 'NOT_IN_AGGREGATE':
      return `fits if ${who} were in aggregate ${r.aggregates![0]}`;
    case 'IN_FORBIDDEN_AGGREGATE':
      return `fits if ${who} (and its root) left aggregate ${list(r.aggregates)}`;
    case 'SHARING_UNREACHABLE':
      return `fits if the tree's root joined an aggregate of the sharing provider ${who}`;
    case 'ISOLATE':
      return 'fits if the groups could share a provider (groupPolicy NONE)';
    case 'SAME_SUBTREE':
      return 'fits without sameSubtree';
    default:
      return reasonMessage(r, nameOf);
  }
}

/** "812 trees lack capacity for MEMORY_MB": a reason counted over trees, without its provider. */
export function countMessage(c: ReasonCount): string {
  const r = c.reason;
  const n = c.trees;
  const g = r.group ? ` (group ${r.group})` : '';
  const onRoot = r.kind === 'ROOT_TRAIT_MISSING' || r.kind === 'ROOT_TRAIT_FORBIDDEN' ? ' on the root' : g;
  switch (r.kind) {
    case 'CLASS_NOT_OFFERED':
      return `${trees(n, 'offer')} no ${r.resourceClass}${g}`;
    case 'CAPACITY_SHORT':
      return `${trees(n, 'lack')} capacity for ${r.resourceClass}${g}, short by up to ${c.largestShortBy}`;
    case 'BELOW_MIN_UNIT':
    case 'ABOVE_MAX_UNIT':
    case 'NOT_STEP_MULTIPLE':
      return `${trees(n, 'refuse')} the ${r.resourceClass} amount by ${r.kind === 'BELOW_MIN_UNIT' ? 'min_unit' : r.kind === 'ABOVE_MAX_UNIT' ? 'max_unit' : 'step_size'}${g}`;
    case 'TRAIT_MISSING':
    case 'ROOT_TRAIT_MISSING':
      return `${trees(n, 'lack')} ${list(r.traits)}${onRoot}`;
    case 'ANY_OF_TRAITS_MISSING':
      return `${trees(n, 'have', 'has')} none of ${list(r.traits)}${g}`;
    case 'TRAIT_FORBIDDEN':
    case 'ROOT_TRAIT_FORBIDDEN':
      return `${trees(n, 'have', 'has')} forbidden ${list(r.traits)}${onRoot}`;
    case 'NOT_IN_AGGREGATE':
      return `${trees(n, 'are', 'is')} in none of the aggregates ${list(r.aggregates)}${g}`;
    case 'IN_FORBIDDEN_AGGREGATE':
      return `${trees(n, 'are', 'is')} in forbidden aggregate ${list(r.aggregates)}${g}`;
    case 'OUTSIDE_IN_TREE':
      return `${trees(n, 'are', 'is')} outside inTree${g}`;
    case 'SHARING_UNREACHABLE':
      return `${trees(n, 'reach', 'reaches')} no sharing provider of ${r.resourceClass}${g}`;
    case 'SAME_SUBTREE':
      return `${trees(n, 'cannot', 'cannot')} meet sameSubtree`;
    case 'ISOLATE':
      return `${trees(n, 'cannot', 'cannot')} meet groupPolicy ISOLATE`;
    case 'COMBINED_CAPACITY':
      return `${trees(n, 'fit', 'fits')} each group alone but not all together`;
    case 'NOTHING_TO_MATCH':
      return `${trees(n, 'match', 'matches')} nothing for a group without resources, traits or aggregates${g}`;
  }
}

/** "40 trees would fit if more MEMORY_MB were free (up to 512 on one provider)". */
export function bestChangeMessage(c: ReasonCount): string {
  const r = c.reason;
  const lead = `${plural(c.trees, 'tree')} would fit if`;
  switch (r.kind) {
    case 'CAPACITY_SHORT':
      return `${lead} more ${r.resourceClass} were free (at most ${c.largestShortBy} more on one provider)`;
    case 'TRAIT_MISSING':
    case 'ANY_OF_TRAITS_MISSING':
      return `${lead} a provider had ${r.traits![0]}`;
    case 'ROOT_TRAIT_MISSING':
      return `${lead} the root had ${r.traits![0]}`;
    case 'TRAIT_FORBIDDEN':
    case 'ROOT_TRAIT_FORBIDDEN':
      return `${lead} ${list(r.traits)} were removed`;
    case 'NOT_IN_AGGREGATE':
      return `${lead} a provider joined aggregate ${r.aggregates![0]}`;
    case 'IN_FORBIDDEN_AGGREGATE':
      return `${lead} they left aggregate ${list(r.aggregates)}`;
    case 'SHARING_UNREACHABLE':
      return `${lead} they shared an aggregate with a sharing provider of ${r.resourceClass}`;
    case 'ISOLATE':
      return `${lead} the groups could share a provider`;
    case 'SAME_SUBTREE':
      return `${lead} sameSubtree were dropped`;
    default:
      return `${lead} one thing changed`;
  }
}
