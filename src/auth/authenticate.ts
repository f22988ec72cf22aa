// Authentication: who sent this request. Bearer tokens are either JWTs (HS256 with a shared
// secret, or RS256/ES256 against a JWKS file or URL), verified by `jose`, or opaque tokens from a
// static token file compared in constant time. AUTH=none makes everyone an admin: for local
// development only, and the server refuses it on anything but loopback (src/server.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { type Identity, isRole, ROLES } from './identity.ts';

export type AuthMode = 'none' | 'token-file' | 'jwt';

export interface AuthSettings {
  mode: AuthMode;
  tokenFile?: string;
  jwtSecret?: string;
  jwksFile?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Longest lifetime a JWT may have, from `iat` (or now) to `exp`. */
  maxLifetimeSeconds: number;
}

/** Thrown for a credential that is present but not valid: the request is refused as UNAUTHENTICATED. */
export class BadCredentials extends Error {}

export type Authenticator = (request: Request) => Promise<Identity | null>;

const tokenFileSchema = z.object({
  tokens: z.array(
    z
      .object({
        /** The token itself, or its SHA-256 in hex (preferred: the file then holds no secret). */
        token: z.string().min(16).optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
        subject: z.string().min(1),
        role: z.enum(ROLES),
        project: z.string().min(1).optional(),
      })
      .refine((t) => t.token || t.sha256, 'each token needs `token` or `sha256`'),
  ),
});

const digest = (token: string) => createHash('sha256').update(token).digest();

function bearer(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const m = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!m) throw new BadCredentials('malformed Authorization header');
  return m[1];
}

export function createAuthenticator(s: AuthSettings): Authenticator {
  if (s.mode === 'none') return async () => ({ subject: 'local', role: 'admin' });
  if (s.mode === 'token-file') {
    if (!s.tokenFile) throw new Error('AUTH=token-file needs AUTH_TOKEN_FILE');
    const entries = tokenFileSchema.parse(JSON.parse(readFileSync(s.tokenFile, 'utf8'))).tokens.map((t) => ({
      hash: t.sha256 ? Buffer.from(t.sha256, 'hex') : digest(t.token!),
      identity: { subject: t.subject, role: t.role, projectId: t.project } satisfies Identity,
    }));
    return async (request) => {
      const token = bearer(request);
      if (token === null) return null;
      const hash = digest(token);
      // Compare against every entry so timing does not reveal which one (if any) matched.
      let found: Identity | null = null;
      for (const e of entries) if (timingSafeEqual(e.hash, hash)) found = e.identity;
      if (!found) throw new BadCredentials('unknown token');
      return found;
    };
  }
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (s.jwtSecret) {
    key = new TextEncoder().encode(s.jwtSecret);
    algorithms = ['HS256'];
  } else if (s.jwksFile) {
    key = createLocalJWKSet(JSON.parse(readFileSync(s.jwksFile, 'utf8')));
    algorithms = ['RS256', 'ES256'];
  } else if (s.jwksUrl) {
    key = createRemoteJWKSet(new URL(s.jwksUrl));
    algorithms = ['RS256', 'ES256'];
  } else throw new Error('AUTH=jwt needs JWT_SECRET, JWKS_FILE or JWKS_URL');
  return async (request) => {
    const token = bearer(request);
    if (token === null) return null;
    try {
      // A token without `exp` would never expire: refuse it, and any that lives longer than allowed.
      // biome-ignore lint/suspicious/noExplicitAny: jose's overloads take a key or a key set; `key` is one of them
      const { payload } = await jwtVerify(token, key as any, { algorithms, issuer: s.issuer, audience: s.audience, requiredClaims: ['exp'] });
      const now = Math.floor(Date.now() / 1000);
      // From issue, or from now when `iat` is missing or lies ahead (which would shorten it).
      const lifetime = payload.exp! - Math.min(payload.iat ?? now, now);
      if (lifetime > s.maxLifetimeSeconds) throw new BadCredentials(`token lifetime (exp - iat) exceeds ${s.maxLifetimeSeconds} s`);
      const role = payload.role ?? (Array.isArray(payload.roles) ? payload.roles.find(isRole) : undefined);
      if (!isRole(role) || typeof payload.sub !== 'string') throw new BadCredentials('token carries no known role or subject');
      const projectId = typeof payload.project_id === 'string' ? payload.project_id : undefined;
      if (role === 'project-reader' && !projectId) throw new BadCredentials('a project-reader token needs project_id');
      return { subject: payload.sub, role, projectId };
    } catch (err) {
      if (err instanceof BadCredentials) throw err;
      // Which claim failed (jose's message names it: a missing exp, an expired token) helps the caller.
      const claim = err instanceof joseErrors.JWTClaimValidationFailed || err instanceof joseErrors.JWTExpired;
      throw new BadCredentials(claim ? `invalid token: ${(err as Error).message}` : 'invalid token');
    }
  };
}
