// GraphiQL works on a machine without internet: the page carries its own scripts and styles, and a
// real browser (Debian's chromium, driven by playwright-core; never a downloaded one) renders the
// editor and runs a query through it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { launchBrowser, needBrowser } from './browser.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';

let test: TestDatabase;
let server: Server;
let url: string;

beforeAll(async () => {
  test = await openTestDatabase();
  server = createServer(createApp(test.db, configFromEnv({})));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await test.drop();
});

describe('GraphiQL', () => {
  it('is one self-contained page: nothing is loaded from another machine', async () => {
    const res = await fetch(url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<title>placement-graphql</title>');
    // No external script, stylesheet, font or import: every <script> and <link> is inline or data:.
    expect(html.match(/<script[^>]*\ssrc=/gi)).toBeNull();
    expect(html.match(/<link[^>]*\shref=["']?(https?:)?\/\//gi)).toBeNull();
    expect(html.match(/@import|url\(\s*["']?(https?:)?\/\//gi)).toBeNull();
  });

  it('renders the editor in a browser and runs { __typename }', async (ctx) => {
    needBrowser(ctx, 'GraphiQL');
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      const offMachine: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(new URL(url).origin) && !/^(data|blob):/.test(r.url())) offMachine.push(r.url());
      });
      await page.goto(url);
      // The query editor rendered (Monaco inside GraphiQL's container).
      const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await editor.waitFor({ state: 'visible' });
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // insertText, not typing: Monaco would close the brace typed by itself.
      await page.keyboard.insertText('{ __typename }');
      await page.locator('.graphiql-execute-button').click();
      const response = page.locator('.graphiql-response');
      await expect.poll(async () => (await response.innerText()).replace(/\s+/g, ' '), { timeout: 30_000 }).toContain('"__typename": "Query"');
      expect(offMachine).toEqual([]);
    } finally {
      await close();
    }
  });
});
