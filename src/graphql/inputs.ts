// Every value a client sent, walked before execution by the checks at the edge (text.ts, the list
// limit in limits.ts): the literals of the document and the variables. Neither walk recurses, so
// input nested to any depth is safe to look at.
import { type ASTNode, type DocumentNode, visit } from 'graphql';

/** Where a value sits, in words; computed only when a check refuses it. */
export type Where = () => string;

export interface InputVisitor {
  /** A string value, or the key of an object in the variables. Return true to stop the walk. */
  string?(value: string, where: Where, node?: ASTNode): boolean | undefined;
  /** A list of `length` items. Return true to stop the walk. */
  list?(length: number, where: Where, node?: ASTNode): boolean | undefined;
}

/** The literals of the document, located by argument (or variable default) and input field. */
export function walkDocument(document: DocumentNode, visitor: InputVisitor): void {
  const whereOf =
    (parent: unknown, ancestors: readonly (ASTNode | readonly ASTNode[])[]): Where =>
    () => {
      let owner = 'Argument';
      const names: string[] = [];
      for (const a of [...ancestors, parent] as readonly (ASTNode | readonly ASTNode[])[]) {
        if (!('kind' in a)) continue;
        if (a.kind === 'Argument' || a.kind === 'ObjectField') names.push(a.name.value);
        if (a.kind === 'VariableDefinition') owner = `Default value of $${a.variable.name.value}`;
      }
      return `${owner} ${names.join('.')}`.trim();
    };
  let stop = false;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (stop) return false;
      if (node.kind === 'StringValue' && visitor.string?.(node.value, whereOf(parent, ancestors), node)) stop = true;
      if (node.kind === 'ListValue' && visitor.list?.(node.values.length, whereOf(parent, ancestors), node)) stop = true;
      return undefined;
    },
  });
}

/** The variables, located by path ($input.consumer.projectId, $ids[3]). */
export function walkVariables(variables: unknown, visitor: InputVisitor): void {
  const stack: [unknown, string][] = [[variables, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (visitor.string?.(value, () => `Variable ${path}`)) return;
    } else if (Array.isArray(value)) {
      if (visitor.list?.(value.length, () => `Variable ${path}`)) return;
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (visitor.string?.(k, () => (path ? `A key of variable ${path}` : 'A variable name'))) return;
        stack.push([v, path ? `${path}.${k}` : `$${k}`]);
      }
    }
  }
}
