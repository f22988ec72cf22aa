// Text neither database can hold, refused once, at the edge: a NUL character (PostgreSQL refuses
// it in text, SQLite would keep it) and a lone UTF-16 surrogate (not Unicode: PostgreSQL refuses
// it, SQLite would store U+FFFD instead). Every string of the document's literals and of the
// variables is checked before execution, so no resolver, and no SQL, ever sees one; the answer is
// BAD_VALUE naming the argument or variable, the same on both databases.
import { type DocumentNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type InputVisitor, walkDocument, walkVariables } from './inputs.ts';

// With the u flag a well-formed surrogate pair is one code point, so \p{Cs} matches lone halves only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what it looks for (neither database stores it in text)
const UNSTORABLE = /[\u0000\p{Cs}]/u;

function problem(text: string): string | null {
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return found[0] === '\u0000' ? 'a NUL character (U+0000)' : 'a lone UTF-16 surrogate (not valid Unicode)';
}

/** The first unstorable string a walk meets, as the error to answer. */
function firstUnstorable(walk: (visitor: InputVisitor) => void): GraphQLError | null {
  let error: GraphQLError | null = null;
  walk({
    string(value, where, node) {
      const what = problem(value);
      if (what) error = new GraphQLError(`${where()} contains ${what}, which is not accepted in text.`, { nodes: node, extensions: { code: 'BAD_VALUE' } });
      return Boolean(what);
    },
  });
  return error;
}

const checkedDocuments = new WeakMap<DocumentNode, GraphQLError | null>();

type Stoppable = Parameters<NonNullable<Plugin['onExecute']>>[0] | Parameters<NonNullable<Plugin['onSubscribe']>>[0];

function check({ args, setResultAndStopExecution }: Stoppable): void {
  let error = checkedDocuments.get(args.document);
  if (error === undefined) checkedDocuments.set(args.document, (error = firstUnstorable((v) => walkDocument(args.document, v))));
  error ??= firstUnstorable((v) => walkVariables(args.variableValues, v));
  if (error) setResultAndStopExecution({ errors: [error] });
}

// Subscriptions do not pass through onExecute: both hooks check.
export const storableText: Plugin = { onExecute: check, onSubscribe: check };
