// Identifier and name rules (SPEC §2), expressed once as zod schemas and checked through `parse`.
import { z } from 'zod';
import { DomainError, type ErrorCode } from './errors.ts';
import { quoted } from './messages.ts';

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export const schemas = {
  /** Canonical or dash-less hex uuid, any case; normalised to lower-case with dashes. */
  uuid: z
    .string()
    .regex(UUID, { error: (issue) => `${quoted(issue.input)} is not a valid uuid` })
    .transform((s) => {
      const h = s.replace(/-/g, '').toLowerCase();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }),
  providerName: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  standardName: z
    .string()
    .max(255, 'must be at most 255 characters')
    .regex(/^[A-Z0-9_]+$/, 'must match ^[A-Z0-9_]+$'),
  customName: z
    .string()
    .max(255, 'must be at most 255 characters')
    .regex(/^CUSTOM_[A-Z0-9_]+$/, 'must match ^CUSTOM_[A-Z0-9_]+$'),
  externalId: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  consumerType: z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .regex(/^[A-Z0-9_]+$/, 'must match ^[A-Z0-9_]+$'),
};

/** Parses `value` or throws a DomainError "field: problem; problem" (`field` names where in the input). */
export function parse<T extends z.ZodType>(schema: T, value: unknown, field: string, code: ErrorCode = 'BAD_VALUE'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message));
  throw new DomainError(code, `${field}: ${problems.join('; ')}`, { field });
}

export const isCustomName = (name: string) => name.startsWith('CUSTOM_');

/** Throws DUPLICATE_KEY naming the first key seen twice. */
export function assertUnique(keys: string[], what: string): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new DomainError('DUPLICATE_KEY', `${what} ${k} appears more than once`);
    seen.add(k);
  }
}
