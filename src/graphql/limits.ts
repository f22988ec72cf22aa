// Query limits (graphql-armor): depth, aliases, tokens, directives and a cost budget that grows
// with list sizes. Every rejection is a GraphQL error with code LIMIT_EXCEEDED naming the limit.

import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { type DocumentNode, GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.ts';
import { type InputVisitor, walkDocument, walkVariables } from './inputs.ts';

const LIMIT_MESSAGE = /(limit of \d+ exceeded|Token limit|limit exceeded)/i;

/** Gives armor's rejections (plain GraphQL errors) our stable code. */
export function limitCode(error: GraphQLError): GraphQLError {
  if (!LIMIT_MESSAGE.test(error.message) || error.extensions?.code === 'LIMIT_EXCEEDED') return error;
  return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: { code: 'LIMIT_EXCEEDED' } });
}

const coded: Plugin = {
  onValidate:
    () =>
    ({ result, setResult }) => {
      if (result.some((e) => LIMIT_MESSAGE.test(e.message))) setResult(result.map((e) => (e instanceof GraphQLError ? limitCode(e) : e)));
    },
  onParse:
    () =>
    ({ result, replaceParseResult }) => {
      if (result instanceof GraphQLError && LIMIT_MESSAGE.test(result.message)) replaceParseResult(limitCode(result));
    },
};

/**
 * graphql-js parses, and armor measures depth, by recursion: a document nested a few thousand deep
 * overflows the stack before any limit is looked at. One iterative pass over the tokens first
 * refuses nesting past anything the depth limit lets through (inline fragments and argument
 * values add brackets of their own, hence the allowance), so nothing after it recurses deeply.
 */
const NESTING_ALLOWANCE = 32;
const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

function nestingGuard(l: Limits): Plugin {
  const most = l.depth + NESTING_ALLOWANCE;
  return {
    onParse({ params, setParsedDocument }) {
      const body = typeof params.source === 'string' ? params.source : params.source.body;
      // Few opening brackets in all cannot nest deeply: then skip the pass.
      let opening = 0;
      for (let i = 0; i < body.length && opening <= most; i++) {
        const c = body.charCodeAt(i);
        if (c === 0x7b || c === 0x5b || c === 0x28) opening++;
      }
      if (opening <= most) return;
      const lexer = new Lexer(new Source(body));
      let depth = 0;
      try {
        // The parser stops at the token limit anyway: no need to look further.
        for (let n = 0, token = lexer.advance(); token.kind !== TokenKind.EOF && n <= l.tokens; n++, token = lexer.advance()) {
          if (CLOSING.has(token.kind)) depth--;
          else if (OPENING.has(token.kind) && ++depth > most) {
            setParsedDocument(new GraphQLError(`Query depth limit of ${l.depth} exceeded: brackets nest deeper than ${most}.`, { extensions: { code: 'LIMIT_EXCEEDED' } }) as never);
            return;
          }
        }
      } catch {
        // A syntax error: the parser reports it.
      }
    },
  };
}

/**
 * Every list of the input becomes SQL: IN lists, VALUES rows, conditions joined by AND. Their
 * items together are bounded, well below what either database takes in one statement.
 */
function listItemsLimit(l: Limits): Plugin {
  const inDocuments = new WeakMap<DocumentNode, number>();
  const count = (walk: (input: never, visitor: InputVisitor) => void, input: unknown, from: number) => {
    let n = from;
    walk(input as never, { list: (length) => (n += length) > l.listItems });
    return n;
  };
  const check = ({ args, setResultAndStopExecution }: Parameters<NonNullable<Plugin['onExecute']>>[0] | Parameters<NonNullable<Plugin['onSubscribe']>>[0]) => {
    let n = inDocuments.get(args.document);
    if (n === undefined) inDocuments.set(args.document, (n = count(walkDocument, args.document, 0)));
    if (n <= l.listItems) n = count(walkVariables, args.variableValues, n);
    if (n > l.listItems) {
      const error = new GraphQLError(`List items limit of ${l.listItems} exceeded: the lists of this operation's input hold more.`, { extensions: { code: 'LIMIT_EXCEEDED' } });
      setResultAndStopExecution({ errors: [error] });
    }
  };
  // Subscriptions do not pass through onExecute: both hooks check.
  return { onExecute: check, onSubscribe: check };
}

export function limitPlugins(l: Limits): Plugin[] {
  return [
    nestingGuard(l),
    listItemsLimit(l),
    maxTokensPlugin({ n: l.tokens }) as Plugin,
    maxDepthPlugin({ n: l.depth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: l.aliases, allowList: [] }) as Plugin,
    maxDirectivesPlugin({ n: l.directives }) as Plugin,
    // A list field multiplies what is below it: depthCostFactor makes deep (whole-tree) queries costly.
    costLimitPlugin({ maxCost: l.cost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true }) as Plugin,
    coded,
  ];
}
