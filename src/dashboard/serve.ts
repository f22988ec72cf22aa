// The live dashboard (README, Dashboard): plain static files beside this module, served at
// /dashboard by the same server. The page is a client of the public GraphQL API only (it doubles as
// its reference client), so this serves files and nothing else: no data, no build step.
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'graphql-yoga';

// src/dashboard/serve.ts and its build, dist/dashboard/serve.js, are both two levels below the
// project root, and tsc does not copy the static files: both read them from src/dashboard.
const DIR = new URL('../../src/dashboard/', import.meta.url);

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const FILES = new Set(['index.html', 'app.js', 'explain.js', 'style.css']);

/** Same-origin scripts, styles and GraphQL requests only: no inline script, nothing from elsewhere. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The file a /dashboard path names, or null when it names none. */
export function dashboardFile(pathname: string): string | null {
  if (pathname === '/dashboard' || pathname === '/dashboard/') return 'index.html';
  const name = pathname.startsWith('/dashboard/') ? pathname.slice('/dashboard/'.length) : '';
  return FILES.has(name) ? name : null;
}

export const dashboard: Plugin = {
  async onRequest({ request, url, endResponse, fetchAPI }) {
    if (url.pathname !== '/dashboard' && !url.pathname.startsWith('/dashboard/')) return;
    const name = dashboardFile(url.pathname);
    if (!name) return endResponse(new fetchAPI.Response('not found', { status: 404 }));
    if (request.method !== 'GET' && request.method !== 'HEAD') return endResponse(new fetchAPI.Response('method not allowed', { status: 405, headers: { allow: 'GET, HEAD' } }));
    const body = await readFile(new URL(name, DIR));
    const headers = { 'content-type': TYPES[name.split('.').pop()!], 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
  },
};
