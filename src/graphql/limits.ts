// Query limits (graphql-armor): depth, aliases, tokens, directives and a cost budget that grows
// with list sizes. Every rejection is a GraphQL error with code LIMIT_EXCEEDED naming the limit.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import type { Limits } from '../config.ts';

const LIMIT_MESSAGE = /(limit of \d+ exceeded|Token limit|limit exceeded)/i;

/** Gives armor's rejections (plain GraphQL errors) our stable code. */
export function limitCode(error: GraphQLError): GraphQLError {
  if (!LIMIT_MESSAGE.test(error.message) || error.extensions?.code === 'LIMIT_EXCEEDED') return error;
  return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: { code: 'LIMIT_EXCEEDED' } });
}

const coded: Plugin = {
  onValidate: () => ({ result, setResult }) => {
    if (result.some((e) => LIMIT_MESSAGE.test(e.message))) setResult(result.map((e) => (e instanceof GraphQLError ? limitCode(e) : e)));
  },
  onParse: () => ({ result, replaceParseResult }) => {
    if (result instanceof GraphQLError && LIMIT_MESSAGE.test(result.message)) replaceParseResult(limitCode(result));
  },
};

export function limitPlugins(l: Limits): Plugin[] {
  return [
    maxTokensPlugin({ n: l.tokens }) as Plugin,
    maxDepthPlugin({ n: l.depth, ignoreIntrospection: true, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: l.aliases, allowList: [] }) as Plugin,
    maxDirectivesPlugin({ n: l.directives }) as Plugin,
    // A list field multiplies what is below it: depthCostFactor makes deep (whole-tree) queries costly.
    costLimitPlugin({ maxCost: l.cost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true }) as Plugin,
    coded,
  ];
}
