// Where a subscriber stands in the change feed. An event's cursor is "<seq>.<index>": the index of
// the event in the transaction `seq` of the change log. A bare "<seq>" stands after every event of
// that transaction (what Query.changeToken returns, and what HISTORY_PRUNED carries).
import { DomainError } from '../domain/errors.ts';

export interface Cursor {
  seq: bigint;
  /** Null: after the whole transaction. */
  index: number | null;
}

const MAX_SEQ = 2n ** 63n - 1n;

export const eventCursor = (seq: bigint, index: number) => `${seq}.${index}`;
export const transactionCursor = (seq: bigint) => `${seq}`;

/** Parses a client's cursor; anything not made by this API is BAD_VALUE. */
export function parseCursor(text: string): Cursor {
  const m = /^(\d{1,19})(?:\.(\d{1,6}))?$/.exec(text);
  const seq = m ? BigInt(m[1]) : -1n;
  if (!m || seq > MAX_SEQ)
    throw new DomainError(
      'BAD_VALUE',
      `Not a change-feed cursor: ${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''} (expected "<sequence>" or "<sequence>.<index>" as returned by this API)`,
    );
  return { seq, index: m[2] === undefined ? null : Number(m[2]) };
}

/** Whether the event at (seq, index) comes after the cursor. */
export const isAfter = (c: Cursor, seq: bigint, index: number) => seq > c.seq || (seq === c.seq && c.index !== null && index > c.index);
