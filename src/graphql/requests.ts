// What an HTTP request to the GraphQL endpoint may be, every refusal a coded error: a body within
// LIMIT_BODY_BYTES counted on the bytes actually read (chunked, or under a lying Content-Length),
// well-formed JSON in GET and form parameters, a batch of 1..LIMIT_BATCH operations, a content
// type and an Accept header we can serve, and only operation types the schema has
// (subscriptions only over server-sent events), and a query at all. Yoga does the reading and counting; this gives its refusals
// our codes, and its empty answers (404, 406, 415) a coded body. Yoga alone would answer 200 "Must
// provide query string" to curl -d without a content type (a form whose JSON body is no query).
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config.ts';

const refusal = (message: string, code: 'BAD_REQUEST' | 'LIMIT_EXCEEDED', status: number) => new GraphQLError(message, { extensions: { code, http: { status } } });

/** How to send a query, for the answers that found none. */
export const HOW_TO_SEND = 'send JSON {"query": "..."} with content-type: application/json, or a form field query=... (curl --data-urlencode query@file.graphql)';

const bodyLimitMessage = (limit: number) => `Request body larger than the limit of ${limit} bytes.`;
const bodyTooLarge = (limit: number) => refusal(bodyLimitMessage(limit), 'LIMIT_EXCEEDED', 413);

/** An answer built before GraphQL is reached, shaped like every other error answer. */
const codedResponse = (status: number, message: string, code: 'BAD_REQUEST' | 'LIMIT_EXCEEDED') => Response.json({ errors: [{ message, extensions: { code } }] }, { status });

/** For a Content-Length over the limit, refused before reading. */
export const bodyTooLargeResponse = (limit: number) => codedResponse(413, bodyLimitMessage(limit), 'LIMIT_EXCEEDED');

/** The specification's "operation type existence" rule, which graphql-js 16 leaves to execution. */
const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: node }));
    }
  },
});

// Yoga answers these statuses with an empty body.
const EMPTY_ANSWERS: Record<number, string> = {
  404: 'Not found: the GraphQL endpoint is /graphql.',
  406: 'Not acceptable: answers are application/json, application/graphql-response+json, multipart/mixed or text/event-stream.',
  415: `Unsupported content type: ${HOW_TO_SEND}.`,
};

export function requestRules(limits: Limits): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (err) {
          // Yoga's own count of the bytes read (its code is none of ours).
          if (err instanceof GraphQLError && err.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE') throw bodyTooLarge(limits.bodyBytes);
          // JSON.parse of GET or form parameters (variables, extensions).
          if (err instanceof SyntaxError) throw refusal(`Malformed JSON in a request parameter: ${err.message}`, 'BAD_REQUEST', 400);
          throw err;
        }
      });
      return {
        onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult)) return;
          if (!requestParserResult.length) throw refusal('An empty batch: send at least one operation.', 'BAD_REQUEST', 400);
          if (requestParserResult.length > limits.batch) {
            throw refusal(`Batch of ${requestParserResult.length} operations exceeds the batch limit of ${limits.batch}.`, 'LIMIT_EXCEEDED', 413);
          }
        },
      };
    },
    // Before yoga's own check of the parameters, which would answer 200.
    onParams({ params }) {
      if (params.query == null) throw refusal(`The request has no GraphQL query: ${HOW_TO_SEND}.`, 'BAD_REQUEST', 400);
    },
    onValidate({ addValidationRule }) {
      addValidationRule(knownOperationTypes);
    },
    // Yoga answers a subscription asked for as JSON with an empty 406 and never ends the stream it
    // started; refused before it starts, nothing is held for a client that cannot read a stream.
    onSubscribe({ context, setResultAndStopExecution }) {
      const accept = (context as { request?: Request }).request?.headers.get('accept') ?? '';
      if (!/text\/event-stream|multipart\/mixed/i.test(accept)) {
        setResultAndStopExecution({ errors: [refusal(`A subscription streams: send it with accept: text/event-stream (${HOW_TO_SEND}).`, 'BAD_REQUEST', 406)] });
      }
    },
    onResponse({ response, setResponse }) {
      const message = EMPTY_ANSWERS[response.status];
      if (message && response.body === null) {
        setResponse(codedResponse(response.status, message, 'BAD_REQUEST'));
      }
    },
  };
}
