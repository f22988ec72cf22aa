// A request that carries no GraphQL query is a client mistake: answer 4xx with a coded error that
// says how to send one. yoga alone answers 200 "Must provide query string" to a legacy JSON client
// (curl -d without a content type sends a form, so its JSON body is no query) and an empty 415 to a
// POST of an unknown content type.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const HOW_TO_SEND =
  'send JSON {"query": "..."} with content-type: application/json, or a form field query=... (curl --data-urlencode query@file.graphql)';

const error = (message: string, status: number) =>
  new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });

export const requestShape: Plugin = {
  onRequestParse({ request, requestParser, endResponse }) {
    if (requestParser || request.method !== 'POST') return;
    const body = { errors: [{ message: `Unsupported content type ${JSON.stringify(request.headers.get('content-type') ?? '')}: ${HOW_TO_SEND}.`, extensions: { code: 'BAD_REQUEST' } }] };
    endResponse(Response.json(body, { status: 415, statusText: 'Unsupported Media Type' }));
  },
  // Runs before yoga's own check of the parameters, which would answer 200.
  onParams({ params }) {
    if (params.query == null) throw error(`The request has no GraphQL query: ${HOW_TO_SEND}.`, 400);
  },
};
