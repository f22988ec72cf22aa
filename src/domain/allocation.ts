// Allocation rules (SPEC §9): amounts fit min/max/step, and no provider goes past capacity.
import { DomainError } from './errors.ts';
import { capacity, checkAmount, hasRoom, type Inventory } from './inventory.ts';
import { badAmount } from './messages.ts';
import { assertUnique } from './names.ts';

export interface ResourceAmount {
  resourceClass: string;
  amount: number;
}

/** One consumer's claim on one provider. */
export interface ProviderAllocation {
  providerUuid: string;
  resources: ResourceAmount[];
}

/** What the capacity check needs to know of each provider touched. */
export interface ProviderCapacityState {
  uuid: string;
  inventories: Map<string, Inventory>;
  /** Usage by consumers other than those being written. */
  usedByOthers: Map<string, number>;
}

/** Shape rules of one consumer's allocation map: amounts ≥ 1, no provider or class twice. */
export function validateAllocationShape(allocations: readonly ProviderAllocation[], consumerUuid: string): void {
  assertUnique(
    allocations.map((a) => a.providerUuid),
    `consumer ${consumerUuid}: provider`,
  );
  for (const a of allocations) {
    assertUnique(
      a.resources.map((r) => r.resourceClass),
      `consumer ${consumerUuid}, provider ${a.providerUuid}: resource class`,
    );
    if (a.resources.length === 0) {
      throw new DomainError('BAD_VALUE', `consumer ${consumerUuid}: provider ${a.providerUuid} is listed with no resources`);
    }
    for (const r of a.resources) {
      if (!Number.isInteger(r.amount) || r.amount < 1) throw badAmount(`consumer ${consumerUuid}, provider ${a.providerUuid}`, r.resourceClass);
    }
  }
}

/**
 * Checks the allocations of every consumer being written, together: each (provider, class) must
 * have inventory, each amount must fit min/max/step, and the new total per (provider, class),
 * counting every consumer in the write plus everyone else's usage, must fit capacity.
 */
export function checkAllocations(allocations: readonly ProviderAllocation[], providers: ReadonlyMap<string, ProviderCapacityState>): void {
  const wanted = new Map<string, number>();
  for (const alloc of allocations) {
    const state = providers.get(alloc.providerUuid)!;
    for (const { resourceClass, amount } of alloc.resources) {
      const inv = state.inventories.get(resourceClass);
      if (!inv) {
        throw new DomainError('INVALID_INVENTORY', `Unable to allocate: provider ${alloc.providerUuid} has no inventory of ${resourceClass}`);
      }
      checkAmount(inv, amount, alloc.providerUuid);
      const key = `${alloc.providerUuid}\u0000${resourceClass}`;
      wanted.set(key, (wanted.get(key) ?? 0) + amount);
    }
  }
  for (const [key, amount] of wanted) {
    const [uuid, resourceClass] = key.split('\u0000');
    const state = providers.get(uuid)!;
    const inv = state.inventories.get(resourceClass)!;
    const used = state.usedByOthers.get(resourceClass) ?? 0;
    if (!hasRoom(inv, used, amount)) {
      throw new DomainError('CAPACITY_EXCEEDED', `Unable to allocate ${amount} ${resourceClass} on provider ${uuid}: ${used} of ${capacity(inv)} already used`, {
        providerUuid: uuid,
        resourceClass,
        requested: amount,
        capacity: capacity(inv),
        used,
        free: Math.max(0, capacity(inv) - used),
      });
    }
  }
}
