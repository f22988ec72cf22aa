// Inventory records and their rules (SPEC §8): defaults, validation, capacity.
import { z } from 'zod';
import { DomainError } from './errors.ts';
import { parse } from './names.ts';

export const MAX_INT = 2147483647;
/** Largest single-precision float: the reference stores allocation_ratio as a FLOAT column. */
export const MAX_RATIO = 3.4028234663852886e38;
/** Largest capacity accepted: every capacity and sum of allocations stays an exact integer (SafeInt). */
export const MAX_CAPACITY = Number.MAX_SAFE_INTEGER;

export interface InventoryValues {
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
}

export interface Inventory extends InventoryValues {
  resourceClass: string;
}

const int = (min: number) => z.number().int('must be an integer').min(min, `must be at least ${min}`).max(MAX_INT, `must be at most ${MAX_INT}`);

const inventorySchema = z
  .object({
    resourceClass: z.string(),
    total: int(1),
    reserved: int(0).default(0),
    minUnit: int(1).default(1),
    maxUnit: int(1).default(MAX_INT),
    stepSize: int(1).default(1),
    allocationRatio: z
      .number()
      .refine(Number.isFinite, 'must be a finite number')
      .refine((r) => r > 0, 'must be greater than 0')
      .refine((r) => r <= MAX_RATIO, `must be at most ${MAX_RATIO}`)
      .default(1.0),
  })
  .superRefine((inv, ctx) => {
    if (inv.reserved > inv.total) ctx.addIssue({ code: 'custom', message: `reserved (${inv.reserved}) must not exceed total (${inv.total})` });
    // Not a rule of the reference, which takes any ratio up to MAX_RATIO: a capacity past 2^53 - 1
    // could no longer be counted exactly, nor compared with usage (docs/spec-coverage.md §8).
    const cap = capacity(inv);
    if (cap > MAX_CAPACITY) {
      ctx.addIssue({ code: 'custom', message: `capacity floor((total - reserved) * allocation_ratio) = ${cap} exceeds ${MAX_CAPACITY}, the largest counted exactly` });
    }
    // No min_unit <= max_unit rule: the reference (8.0.0) accepts such an inventory, from which
    // nothing can then be allocated, and its behaviour is the contract (SPEC §8 says otherwise).
  });

/** An inventory as the client wrote it: optional fields take the reference's defaults. */
export type InventoryInput = { resourceClass: string; total: number } & { [K in keyof InventoryValues]?: number | null };

/** Applies defaults and every rule; throws INVALID_INVENTORY naming the class and the problems. */
export function validateInventory(input: InventoryInput): Inventory {
  const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));
  return parse(inventorySchema, clean, `inventory of ${input.resourceClass}`, 'INVALID_INVENTORY');
}

/** How much of the class can be allocated in all: floor((total - reserved) * allocation_ratio). */
export function capacity(inv: Pick<InventoryValues, 'total' | 'reserved' | 'allocationRatio'>): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
}

/** Why an amount does not fit an inventory: the capacity, or one of the unit rules. */
export type FitProblem = 'capacity' | 'min_unit' | 'max_unit' | 'step_size';

/** The unit rules an amount obeys: min_unit, max_unit, step_size. Checked and described from this one list. */
const UNIT_RULES: readonly { rule: FitProblem; holds: (inv: InventoryValues, amount: number) => boolean; problem: (inv: InventoryValues) => string }[] = [
  { rule: 'min_unit', holds: (inv, n) => n >= inv.minUnit, problem: (inv) => `below min_unit ${inv.minUnit}` },
  { rule: 'max_unit', holds: (inv, n) => n <= inv.maxUnit, problem: (inv) => `above max_unit ${inv.maxUnit}` },
  { rule: 'step_size', holds: (inv, n) => n % inv.stepSize === 0, problem: (inv) => `not a multiple of step_size ${inv.stepSize}` },
];

/** Whether `amount` obeys min_unit, max_unit and step_size. */
export function unitsAllow(inv: InventoryValues, amount: number): boolean {
  for (const rule of UNIT_RULES) if (!rule.holds(inv, amount)) return false;
  return true;
}

/** Whether `amount` more fits within capacity when `used` is already allocated. */
export function hasRoom(inv: Pick<InventoryValues, 'total' | 'reserved' | 'allocationRatio'>, used: number, amount: number): boolean {
  return used + amount <= capacity(inv);
}

/**
 * The fit rule: `amount` more of a class can be allocated with `used` already allocated. The SQL
 * spelling of the same rule is src/db/fitSql.ts, held equal to this one by test/fitRule.test.ts.
 */
export function fits(inv: InventoryValues, used: number, amount: number): boolean {
  return hasRoom(inv, used, amount) && unitsAllow(inv, amount);
}

/** Every rule of `fits` that `amount` breaks (none: it fits), for explanations. */
export function fitProblems(inv: InventoryValues, used: number, amount: number): FitProblem[] {
  const problems: FitProblem[] = hasRoom(inv, used, amount) ? [] : ['capacity'];
  for (const rule of UNIT_RULES) if (!rule.holds(inv, amount)) problems.push(rule.rule);
  return problems;
}

/** Throws CONSTRAINTS_VIOLATED when `amount` breaks min_unit, max_unit or step_size. */
export function checkAmount(inv: Inventory, amount: number, providerUuid: string): void {
  const problems = UNIT_RULES.filter((rule) => !rule.holds(inv, amount)).map((rule) => rule.problem(inv));
  if (problems.length) {
    throw new DomainError('CONSTRAINTS_VIOLATED', `Unable to allocate ${amount} ${inv.resourceClass} on provider ${providerUuid}: ${problems.join(', ')}`);
  }
}
