// Every field reachable from one root field, as one operation per field: the role-matrix test runs
// each of them as every role. Each type is entered by the first (shortest) way the walk reaches it,
// so every field of every type reachable from the root is read once, cycles included.
import { type GraphQLNamedType, type GraphQLSchema, getNamedType, isCompositeType, isNonNullType, isObjectType } from 'graphql';

export interface FieldPath {
  /** The operation, e.g. `query { consumer(uuid: "…") { allocations { provider { name } } } }`. */
  operation: string;
  /** Readable form, e.g. `consumer.allocations.provider.name`. */
  label: string;
  /** The object types whose fields the path reads, outermost first (the root type left out). */
  types: string[];
}

/** `args(coordinate)`: literal arguments for a field with required ones, e.g. `uuid: "…"` for `Query.consumer`. */
export function fieldPaths(schema: GraphQLSchema, kind: 'query' | 'mutation', rootField: string, args: (coordinate: string) => string | undefined): FieldPath[] {
  const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  // A segment is a field selection or an inline fragment; `type` is the object type a field belongs to.
  type Segment = { text: string; label?: string; type?: string };
  const selection = (owner: string, name: string): Segment => {
    const field = (schema.getType(owner) as any).getFields()[name];
    const required = field.args.some((a: any) => isNonNullType(a.type) && a.defaultValue === undefined);
    const given = args(`${owner}.${name}`);
    if (required && given === undefined) throw new Error(`no fixture arguments for ${owner}.${name}`);
    return { text: given ? `${name}(${given})` : name, label: name, type: owner };
  };
  const build = (segments: Segment[]): FieldPath => ({
    operation: `${kind} ${segments.reduceRight((inner, s) => `{ ${s.text}${inner ? ` ${inner}` : ''} }`, '')}`,
    label: segments.flatMap((s) => (s.label ? [s.label] : [])).join('.'),
    types: segments.flatMap((s) => (s.type && s.type !== root.name ? [s.type] : [])),
  });

  const paths: FieldPath[] = [];
  const start = selection(root.name, rootField);
  const startType = getNamedType(root.getFields()[rootField].type);
  if (!isCompositeType(startType)) return [build([start])];
  const seen = new Set<string>([startType.name]);
  const queue: [GraphQLNamedType, Segment[]][] = [[startType, [start]]];
  while (queue.length) {
    const [type, prefix] = queue.shift()!;
    if (!isObjectType(type)) {
      // An interface or a union: each possible object type, through an inline fragment.
      for (const possible of schema.getPossibleTypes(type as any)) {
        if (seen.has(possible.name)) continue;
        seen.add(possible.name);
        queue.push([possible, [...prefix, { text: `... on ${possible.name}` }]]);
      }
      continue;
    }
    for (const field of Object.values(type.getFields())) {
      const segment = selection(type.name, field.name);
      const named = getNamedType(field.type);
      if (!isCompositeType(named)) {
        paths.push(build([...prefix, segment]));
        continue;
      }
      // The field itself (its own checks), then, the first time, the fields of what it returns.
      paths.push(build([...prefix, segment, { text: '__typename' }]));
      if (seen.has(named.name)) continue;
      seen.add(named.name);
      queue.push([named, [...prefix, segment]]);
    }
  }
  return paths;
}
