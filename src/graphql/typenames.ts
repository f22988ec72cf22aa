// Objects a client read back and sends again as variables carry `__typename`, which normalised
// caches (urql, Apollo) add to every selection: a candidate's `allocations` passed to
// setAllocations, say. graphql-js refuses unknown input fields before any resolver runs, so they
// are dropped here, before validation. No input field can be named `__typename` (names starting
// with "__" are reserved for introspection), so dropping it changes the meaning of nothing.
import type { Plugin } from 'graphql-yoga';

/** Removes every `__typename` key from the variables, in place; iterative, so any depth is safe. */
export function dropTypenames(variables: unknown): void {
  const stack: unknown[] = [variables];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value)) delete (value as Record<string, unknown>).__typename;
    // A loop, not push(...): a list of a million items would pass the engine's argument limit.
    for (const item of Object.values(value)) if (item !== null && typeof item === 'object') stack.push(item);
  }
}

export const typenamesInVariables: Plugin = {
  onParams({ params }) {
    dropTypenames(params.variables);
  },
};
