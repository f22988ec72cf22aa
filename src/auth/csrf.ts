// Cross-site request forgery: a web page can make a browser POST a form (urlencoded, multipart or
// text/plain) or GET a URL to this server without a CORS preflight, and with AUTH=none on loopback
// it would then write as admin. yoga's CSRF prevention refuses such requests unless they carry a
// header no page can add without a preflight; JSON POSTs need a preflight and pass as they are.

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The header a form or GET request must carry (any value): `-H 'x-graphql-yoga-csrf: 1'`. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** The plugin, with its refusal given a code of ours (BAD_REQUEST, HTTP 403). */
export function csrfPrevention(): Plugin {
  const check = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }).onRequestParse!;
  return {
    onRequestParse(payload) {
      try {
        return check(payload);
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err;
        throw new GraphQLError(`A form, multipart or GET request must carry the ${CSRF_HEADER} header (cross-site request protection); JSON POSTs need none.`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 403 } },
        });
      }
    },
  };
}
