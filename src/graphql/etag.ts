// Caching rule and conditional GETs. Every answer is `no-store`, except a successful query sent as
// GET: that one carries an ETag and `private, no-cache` (a browser may keep it but must revalidate;
// a shared cache never serves it), and a repeat with `If-None-Match` naming its tag is answered
// `304 Not Modified`, without executing, while nothing has been written since.
//
// The tag hashes the change log's position (read before executing, so the answer reflects at least
// it), the operation (query, variables, operation name, extensions), the caller (subject, role,
// project: one identity's tag never validates another's answer), the Accept header (which shapes
// the answer) and this build and configuration (a deploy or another replica's settings may answer
// differently). "Nothing the query could read has changed" is over-approximated by "nothing was
// committed at all": every committed write appends a change-log row in commit order on both
// databases, and every read (the candidate search's world cache too) sees every commit made before
// it starts. So an unchanged position means the same state, and a 304 is never stale; a write to
// data the query does not read costs one full answer, which is only ever too careful.
import { createHash } from 'node:crypto';
import { type DocumentNode, getOperationAST, visit } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { standardResourceClasses, standardTraits } from '../domain/standard.ts';
import type { Context } from './builder.ts';
import { printedSchema } from './schema.ts';

/** Headers that change a GET answer: the credentials (authenticate.ts reads only Authorization) and the media type. */
const VARY = 'authorization, accept';

/** If-None-Match longer than this is not parsed (no tag we make is near it): the full answer follows. */
const MAX_CONDITION = 8192;

interface Conditional {
  tag: string;
  /** The request's If-None-Match holds the tag (or `*`). */
  matched: boolean;
  /** Execution was skipped: the answer is a 304. */
  skipped: boolean;
  /** The executed answer had no errors (only such answers are tagged). */
  ok: boolean;
}

/**
 * The entity tags of an If-None-Match value (RFC 9110 §8.8.3, §13.1.2): `*`, or a list of quoted
 * tags, each perhaps weak (W/). Anything else in the value is ignored; an oversized value gives none.
 */
export function conditionTags(header: string | null): '*' | Set<string> {
  if (!header || header.length > MAX_CONDITION) return new Set();
  if (header.trim() === '*') return '*';
  // If-None-Match compares weakly: W/"x" and "x" match the same representation.
  return new Set(Array.from(header.matchAll(/(?:W\/)?"([\x21\x23-\x7e\x80-\uffff]*)"/g), (m) => m[1]));
}

/** Whether a query document names changeToken anywhere (a field of that name exists only on Query). */
function asksChangeToken(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field: (node) => {
      if (node.name.value === 'changeToken') found = true;
    },
  });
  return found;
}

export function conditionalGets(config: Config): Plugin<Context> {
  // This build and its answer-shaping settings (the credentials' settings left out: identity is hashed
  // per request). The standard names too: a newer list is seeded at start without a change-log row.
  const build = createHash('sha256')
    .update(JSON.stringify([printedSchema(), { ...config, auth: config.auth.mode }, standardResourceClasses, standardTraits]))
    .digest('base64url');
  const pending = new WeakMap<Request, Conditional>();

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & YogaInitialContext;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'query') return;
      const get = ctx.request.method === 'GET';
      // Read the position first, so changeToken (and the tag) never name a state later than the answer's.
      if (!get && !asksChangeToken(args.document)) return;
      // A database that does not answer fails the request's resolvers with their coded errors; untagged.
      const position = await ctx.changePosition().catch(() => null);
      if (!get || position === null) return;

      const { query, variables, operationName, extensions } = ctx.params;
      const who = ctx.identity ? [ctx.identity.subject, ctx.identity.role, ctx.identity.projectId ?? null] : null;
      const hash = createHash('sha256')
        .update(JSON.stringify([build, String(position), query, variables ?? null, operationName ?? null, extensions ?? null, who, ctx.request.headers.get('accept')]))
        .digest('base64url')
        .slice(0, 27);
      const tag = `W/"${position}-${hash}"`;
      const wanted = conditionTags(ctx.request.headers.get('if-none-match'));
      const state: Conditional = { tag, matched: wanted === '*' || wanted.has(`${position}-${hash}`), skipped: false, ok: false };
      pending.set(ctx.request, state);
      // `*` asks whether any answer exists (RFC 9110 §13.1.2): only executing tells, so it runs; a named tag needs no run.
      if (state.matched && wanted !== '*') {
        state.skipped = true;
        setResultAndStopExecution({ data: null });
        return;
      }
      return {
        onExecuteDone({ result }) {
          state.ok = !(Symbol.asyncIterator in result) && !result.errors?.length;
        },
      };
    },

    onResponse({ request, response, setResponse, fetchAPI }) {
      const state = pending.get(request);
      // Single JSON answers only (not an event stream or multipart one, which no poller revalidates).
      const json = /^application\/(graphql-response\+)?json/.test(response.headers.get('content-type') ?? '');
      if (!state || response.status !== 200 || !json || !(state.skipped || state.ok)) {
        // Answers change with every write; mutations, errors and POSTs may not be kept by anyone.
        response.headers.set('cache-control', 'no-store');
        return;
      }
      const headers = state.matched ? new fetchAPI.Headers(response.headers) : response.headers;
      headers.set('etag', state.tag);
      headers.set('cache-control', 'private, no-cache');
      headers.append('vary', VARY);
      if (!state.matched) return;
      for (const name of ['content-type', 'content-length']) headers.delete(name);
      setResponse(new fetchAPI.Response(null, { status: 304, headers }));
    },
  };
}
