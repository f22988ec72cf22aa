// Hostile requests derived from the schema (test/hostile.test.ts): for every field of Query and
// Mutation, every position of every argument (into input objects and lists) gets each bad value
// of its type from the catalogue, the other positions keeping the field's valid baseline.
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { type Bad, listValues, objectValues, RawJson, scalarValues } from './catalogue.ts';

export interface HostileRequest {
  /** "Mutation.setInventory", to judge the answer (a write must be refused). */
  field: string;
  /** Where the bad value went and which it was, for failure messages and the tally. */
  label: string;
  body: string;
}

type Path = (string | number)[];
interface Position {
  path: Path;
  type: GraphQLInputType;
  /** The baseline's value there (undefined where the baseline leaves it out). */
  value: unknown;
}

/** Every position of a baseline argument, the argument itself included; a list's first element stands for all. */
function* positionsOf(type: GraphQLInputType, value: unknown, path: Path): Generator<Position> {
  yield { path, type, value };
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner) && Array.isArray(value) && value.length) yield* positionsOf(inner.ofType, value[0], [...path, 0]);
  if (isInputObjectType(inner) && value && typeof value === 'object') {
    for (const f of Object.values(inner.getFields())) yield* positionsOf(f.type, (value as Record<string, unknown>)[f.name], [...path, f.name]);
  }
}

/** The bad values for a position: wrong shapes for lists and objects, the catalogue for leaves. */
function badValuesFor(p: Position): Bad[] {
  const inner = isNonNullType(p.type) ? p.type.ofType : p.type;
  if (isListType(inner)) return listValues(Array.isArray(p.value) ? p.value[0] : 'x');
  if (isInputObjectType(inner)) return objectValues((p.value ?? {}) as Record<string, unknown>);
  const named = getNamedType(inner);
  return scalarValues(named.name, isEnumType(named));
}

/** `value` with `replacement` at `path` (copied along the path only). */
function replaced(value: unknown, path: Path, replacement: unknown): unknown {
  if (!path.length) return replacement;
  const [key, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[key] = replaced(copy[key], rest, replacement);
  return copy;
}

/** A literal in the document marks its place with this, and is printed as written. */
class Literal {
  constructor(readonly text: string) {}
}

/** A GraphQL literal for a value of `type` (enum values bare). */
function print(value: unknown, type: GraphQLInputType): string {
  if (value instanceof Literal) return value.text;
  if (value === null || value === undefined) return 'null';
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return Array.isArray(value) ? `[${value.map((v) => print(v, inner.ofType)).join(', ')}]` : print(value, inner.ofType);
  if (isInputObjectType(inner)) {
    const fields = inner.getFields();
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${k}: ${print(v, fields[k]?.type ?? inner)}`).join(', ')}}`;
  }
  if (isEnumType(inner) && typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** JSON for the variables, with RawJson spliced in as written. */
function variablesJson(variables: Record<string, unknown>): string {
  const raws: string[] = [];
  const json = JSON.stringify(variables, (_k, v) => (v instanceof RawJson ? `@@raw${raws.push(v.text) - 1}@@` : v));
  return json.replace(/"@@raw(\d+)@@"/g, (_, i) => raws[Number(i)]);
}

/** `{ __typename }` plus the scalar fields of the result that take no required argument. */
function selectionOf(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (!isObjectType(named) && !isInterfaceType(named)) return '';
  const leaves = Object.values(named.getFields()).filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type)));
  return `{ __typename ${leaves.map((f) => f.name).join(' ')} }`;
}

function requestFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, asLiterals: boolean): string {
  const given = field.args.filter((a) => args[a.name] !== undefined);
  const selection = selectionOf(field.type);
  if (asLiterals) {
    const list = given.map((a) => `${a.name}: ${print(args[a.name], a.type)}`).join(', ');
    return JSON.stringify({ query: `${kind} { ${field.name}${list ? `(${list})` : ''} ${selection} }` });
  }
  const declared = given.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = given.map((a) => `${a.name}: $${a.name}`).join(', ');
  const query = `${kind}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''} ${selection} }`;
  return `{"query": ${JSON.stringify(query)}, "variables": ${variablesJson(args)}}`;
}

export interface Generated {
  requests: HostileRequest[];
  /** "Type.field" of every argument and input field given a bad value somewhere. */
  covered: Set<string>;
}

/** Every hostile request for the fields of Query and Mutation, from their baselines. */
export function hostileRequests(schema: GraphQLSchema, baselines: Record<string, Record<string, unknown>>): Generated {
  const requests: HostileRequest[] = [];
  const covered = new Set<string>();
  for (const [kind, root] of [
    ['query', schema.getQueryType()!],
    ['mutation', schema.getMutationType()!],
  ] as const) {
    for (const field of Object.values(root.getFields())) {
      const name = `${root.name}.${field.name}`;
      const baseline = baselines[name];
      if (!baseline) throw new Error(`no baseline for ${name}: add one to test/hostile/baselines.ts`);
      for (const arg of field.args) {
        for (const p of positionsOf(arg.type, baseline[arg.name], [arg.name])) {
          covered.add(ownerOf(name, arg.type, p.path));
          for (const bad of badValuesFor(p)) {
            const label = `${name} ${p.path.join('.')}: ${bad.label}`;
            if ('value' in bad) requests.push({ field: name, label, body: requestFor(kind, field, replaced(baseline, p.path, bad.value) as Record<string, unknown>, false) });
            if (bad.literal !== undefined) {
              requests.push({ field: name, label: `${label} (literal)`, body: requestFor(kind, field, replaced(baseline, p.path, new Literal(bad.literal)) as Record<string, unknown>, true) });
            }
          }
        }
      }
      // Shapes of the call itself: an unknown argument, and no arguments at all.
      const bare = requestFor(kind, field, {}, true);
      requests.push({ field: name, label: `${name}: no arguments`, body: bare });
      requests.push({ field: name, label: `${name}: unknown argument`, body: bare.replace(`${field.name} `, `${field.name}(nope: 1) `) });
    }
  }
  return { requests, covered };
}

/** "Input.field" for a position inside an input object, "Root.field(arg)" for an argument itself. */
function ownerOf(field: string, argType: GraphQLInputType, path: Path): string {
  if (path.length === 1) return `${field}(${path[0]})`;
  let type: GraphQLInputType = argType;
  let owner = '';
  for (const step of path.slice(1)) {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) type = inner.ofType;
    else if (isInputObjectType(inner)) {
      owner = `${inner.name}.${step}`;
      type = inner.getFields()[step as string].type;
    }
  }
  return owner || `${field}(${path[0]})`;
}

/** What must be covered: every argument of every root field, and every field of every input type they reach. */
export function everyInputPosition(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (type: GraphQLInputType) => {
    const named = getNamedType(type);
    if (!isInputObjectType(named) || seen.has(named.name)) return;
    seen.add(named.name);
    for (const f of Object.values(named.getFields())) {
      out.add(`${named.name}.${f.name}`);
      visit(f.type);
    }
  };
  for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
    for (const field of Object.values(root.getFields())) {
      for (const arg of field.args) {
        out.add(`${root.name}.${field.name}(${arg.name})`);
        visit(arg.type);
      }
    }
  }
  return out;
}
