// Text neither database can hold, refused once, at the edge: a NUL character (PostgreSQL refuses
// it in text, SQLite would keep it) and a lone UTF-16 surrogate (not Unicode: PostgreSQL refuses
// it, SQLite would store U+FFFD instead). Every string of the document's literals and of the
// variables is checked before execution, so no resolver, and no SQL, ever sees one; the answer is
// BAD_VALUE naming the argument or variable, the same on both databases.
import { GraphQLError, visit, type ASTNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

// With the u flag a well-formed surrogate pair is one code point, so \p{Cs} matches lone halves only.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

function problem(text: string): string | null {
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return found[0] === '\u0000' ? 'a NUL character (U+0000)' : 'a lone UTF-16 surrogate (not valid Unicode)';
}

const refusal = (where: string, what: string, nodes?: ASTNode) =>
  new GraphQLError(`${where} contains ${what}, which is not accepted in text.`, { nodes, extensions: { code: 'BAD_VALUE' } });

/** The first literal string of the document that cannot be stored, located by argument and field. */
function checkDocument(document: DocumentNode): GraphQLError | null {
  let found: GraphQLError | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      const what = problem(node.value);
      if (!what) return;
      // Where it sits: an argument (or a variable's default value) and the input fields below it.
      let owner = 'Argument';
      const names: string[] = [];
      for (const a of [...ancestors, parent] as readonly (ASTNode | readonly ASTNode[])[]) {
        if (!('kind' in a)) continue;
        if (a.kind === 'Argument' || a.kind === 'ObjectField') names.push(a.name.value);
        if (a.kind === 'VariableDefinition') owner = `Default value of $${a.variable.name.value}`;
      }
      found = refusal(`${owner} ${names.join('.')}`.trim(), what, node);
      return false;
    },
  });
  return found;
}

/** The first string (or object key) of the variables that cannot be stored. Iterative: any depth. */
function checkVariables(variables: unknown): GraphQLError | null {
  const stack: [unknown, string][] = [[variables, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const what = problem(value);
      if (what) return refusal(`Variable ${path}`, what);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const what = problem(k);
        if (what) return refusal(path ? `A key of variable ${path}` : 'A variable name', what);
        stack.push([v, path ? `${path}.${k}` : `$${k}`]);
      }
    }
  }
  return null;
}

const checkedDocuments = new WeakMap<DocumentNode, GraphQLError | null>();

export const storableText: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    let error = checkedDocuments.get(args.document);
    if (error === undefined) checkedDocuments.set(args.document, (error = checkDocument(args.document)));
    error ??= checkVariables(args.variableValues);
    if (error) setResultAndStopExecution({ errors: [error] });
  },
};
