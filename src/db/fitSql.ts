// The fit rule of src/domain/inventory.ts (fits) spelled in SQL, for reads that filter in the
// database. test/fitRule.test.ts holds the two spellings equal.
import { Prisma as P } from './generated/client.ts';

/**
 * `amount` more of class `rc` fits inventory row `i` (of that class), usage summed from allocations.
 * No FLOOR on capacity: an integer is at most x exactly when it is at most floor(x). The unit rules
 * come first so the usage subquery runs only for rows they let through.
 */
export function fitsSql(rc: number, amount: number): P.Sql {
  return P.sql`i.min_unit <= ${amount} AND i.max_unit >= ${amount} AND ${amount} % i.step_size = 0
    AND COALESCE((SELECT SUM(a.used) FROM allocations a WHERE a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = ${rc}), 0)
      + ${amount} <= (i.total - i.reserved) * i.allocation_ratio`;
}
