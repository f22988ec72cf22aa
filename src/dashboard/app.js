// The live dashboard: every provider tree with its usage, kept current by the change feed. It uses
// the public GraphQL API only (README, Dashboard), so it is also the reference for a client that
// draws trees and follows changes. Read-only: it sends no mutation, so no role sees write controls.
import { initExplain } from './explain.js';

const PAGE = 1000; // roots per request: the connection's largest page
const ROW = 64; // px, one tree row (the list is virtualised: only visible rows are in the DOM)
const NEARLY_FULL = 0.9;
const SHARES = 'MISC_SHARES_VIA_AGGREGATE';
const TOKEN_KEY = 'placement-dashboard-token';
const SAMPLE_MS = 1000;
const SAMPLES = 600;

// Everything one tree row and the detail panel draw, for the whole tree in one request.
const TREE_FIELDS = `fragment Tree on ResourceProvider {
  uuid
  subtree { uuid name parentUuid depth provider { traits aggregates inventories { resourceClass reserved capacity used } } }
}`;

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text: names from the API are never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);
const headers = (accept) => {
  const h = { 'content-type': 'application/json', accept };
  const t = token();
  if (t) h.authorization = `Bearer ${t}`;
  return h;
};

/** One GraphQL operation; rejects with the first error's message (and code). */
async function gql(query, variables = {}) {
  const res = await fetch('/graphql', { method: 'POST', headers: headers('application/graphql-response+json, application/json'), body: JSON.stringify({ query, variables }) });
  const body = await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }));
  if (body.errors?.length) {
    const e = new Error(body.errors[0].message);
    e.code = body.errors[0].extensions?.code;
    throw e;
  }
  return body.data;
}

/** A provider's global id (base64 of "ResourceProvider:<uuid>", as the API makes them), for `nodes`. */
const globalId = (uuid) => btoa(`ResourceProvider:${uuid}`);

// ---- state -----------------------------------------------------------------------------------

/** rootUuid -> tree; `order` keeps creation order (roots first, as the API lists them). */
const trees = new Map();
let order = [];
/** providerUuid -> rootUuid, to find the tree an event about a provider touched before it moved or went. */
const rootOf = new Map();
/** Per class, sums over every tree. */
const cloud = new Map();
const history = [];
let shown = [];
let selected = null;
let cursor = null;
let generation = 0; // bumped by a full reload: answers of an older load are dropped
const loads = { count: 0 };
/** When each refreshed tree was redrawn, with its used amounts: what the tests time writes by. */
const updates = [];

/** A tree as drawn: its providers (parents first) and per-class sums. */
function treeOf(node) {
  const providers = node.subtree.map((p) => ({ uuid: p.uuid, name: p.name, parentUuid: p.parentUuid, depth: p.depth, ...p.provider }));
  const totals = new Map();
  const traits = new Set();
  const aggregates = new Set();
  for (const p of providers) {
    for (const t of p.traits) traits.add(t);
    for (const a of p.aggregates) aggregates.add(a);
    for (const i of p.inventories) {
      const t = totals.get(i.resourceClass) ?? { capacity: 0, used: 0, reserved: 0, free: 0 };
      t.capacity += i.capacity;
      t.used += i.used;
      t.reserved += i.reserved;
      t.free += Math.max(0, i.capacity - i.used);
      totals.set(i.resourceClass, t);
    }
  }
  const root = providers[0];
  const fullest = Math.max(0, ...[...totals.values()].map((t) => (t.capacity ? t.used / t.capacity : 0)));
  return { uuid: root.uuid, name: root.name, lower: root.name.toLowerCase(), providers, totals, traits, aggregates, fullest, sharing: providers.some((p) => p.traits.includes(SHARES)) };
}

function account(tree, sign) {
  for (const [rc, t] of tree.totals) {
    const c = cloud.get(rc) ?? { capacity: 0, used: 0, reserved: 0, free: 0 };
    c.capacity += sign * t.capacity;
    c.used += sign * t.used;
    c.reserved += sign * t.reserved;
    c.free += sign * t.free;
    cloud.set(rc, c);
  }
}

function forget(rootUuid) {
  const old = trees.get(rootUuid);
  if (!old) return;
  account(old, -1);
  for (const p of old.providers) if (rootOf.get(p.uuid) === rootUuid) rootOf.delete(p.uuid);
  trees.delete(rootUuid);
}

/** Puts a tree read from the API in place (a new root goes last, as the API would list it). */
function put(node) {
  const tree = treeOf(node);
  const known = trees.has(tree.uuid);
  forget(tree.uuid);
  trees.set(tree.uuid, tree);
  if (!known) order.push(tree.uuid);
  account(tree, 1);
  for (const p of tree.providers) rootOf.set(p.uuid, tree.uuid);
}

// ---- initial load ----------------------------------------------------------------------------

const LOAD = `query Roots($after: String, $first: Int!) {
  changeToken
  resourceProviders(first: $first, after: $after, filter: { rootsOnly: true }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...Tree } }
  }
}
${TREE_FIELDS}`;

/** Reads every tree, a page at a time (drawing as pages arrive), then follows the feed from the first page's token. */
async function loadAll() {
  const mine = ++generation;
  loads.count++;
  stopFeed();
  trees.clear();
  rootOf.clear();
  cloud.clear();
  order = [];
  document.body.removeAttribute('data-loaded');
  performance.mark('dashboard-load-start');
  let after = null;
  let token = null;
  try {
    for (;;) {
      const data = await gql(LOAD, { after, first: PAGE });
      if (mine !== generation) return;
      // The first page's token: every change after it reaches us, whichever page it touched.
      token ??= data.changeToken;
      const page = data.resourceProviders;
      for (const e of page.edges) put(e.node);
      $('counts').textContent = `${trees.size} of ${page.totalCount} trees`;
      refilter();
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
  } catch (err) {
    if (mine !== generation) return;
    showError(err);
    // Without a valid token nothing changes until one is pasted (which reloads).
    if (err.code !== 'UNAUTHENTICATED' && err.code !== 'FORBIDDEN') setTimeout(() => mine === generation && loadAll(), 2000);
    return;
  }
  showError(null);
  fillChoices();
  cursor = token;
  startFeed();
  sample();
  // After the frame that shows them: what the big-cloud test times from navigation.
  requestAnimationFrame(() =>
    setTimeout(() => {
      performance.mark('dashboard-loaded');
      document.body.dataset.loaded = String(trees.size);
    }),
  );
}

// ---- live: the change feed over server-sent events ------------------------------------------

const FEED = `subscription Feed($after: String) {
  changes(after: $after) { cursor kind providerUuid rootUuid providerUuids rootUuids }
}`;

let feed = null; // AbortController of the stream being read
let retryMs = 250;
let retryTimer = null;

function setLive(state) {
  $('live').dataset.state = state;
  $('live').textContent = state === 'live' ? 'live' : state === 'disconnected' ? 'disconnected' : 'connecting…';
  $('banner').hidden = state !== 'disconnected';
  document.body.dataset.live = state;
}

function stopFeed() {
  clearTimeout(retryTimer);
  feed?.abort();
  feed = null;
}

/** The server pings every 12 s: a longer silence is a connection that died without closing. */
const SILENCE_MS = 30_000;

/** Reads the stream with fetch (EventSource can send neither a POST body nor a token). */
async function startFeed() {
  const abort = new AbortController();
  feed = abort;
  const mine = generation;
  let heardAt = Date.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    if (Date.now() - heardAt < SILENCE_MS) return;
    stalled = true;
    abort.abort();
  }, 5000);
  try {
    const res = await fetch('/graphql', { method: 'POST', headers: headers('text/event-stream'), body: JSON.stringify({ query: FEED, variables: { after: cursor } }), signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`the change feed answered HTTP ${res.status}`);
    setLive('live');
    retryMs = 250;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      heardAt = Date.now();
      text += decoder.decode(value, { stream: true });
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (!/^event: next/m.test(block)) continue;
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        const message = JSON.parse(data);
        // SLOW_SUBSCRIBER and the like end the stream: resume from the last cursor below. A
        // cursor the server refuses (its database was replaced): read everything again.
        if (message.errors?.[0]?.extensions?.code === 'BAD_VALUE') return loadAll();
        if (message.errors) throw new Error(message.errors[0].message);
        if (mine !== generation) return;
        heard(message.data.changes);
      }
    }
  } catch (err) {
    if (abort.signal.aborted && !stalled) return;
    console.warn('change feed:', stalled ? 'silent for too long' : err.message);
  } finally {
    clearInterval(watchdog);
  }
  if (feed !== abort || mine !== generation) return;
  setLive('disconnected');
  retryTimer = setTimeout(startFeed, retryMs);
  retryMs = Math.min(retryMs * 2, 5000);
}

const stale = new Set();
let fetching = false;
let refreshAsked = false;
/** The next frame reads the stale trees (once, however many events came in between). */
function askRefresh() {
  if (refreshAsked || fetching || !stale.size) return;
  refreshAsked = true;
  requestAnimationFrame(() => {
    refreshAsked = false;
    refresh();
  });
}

/** One event: the trees it touched are read again, all of one frame's events in one request. */
function heard(event) {
  cursor = event.cursor;
  if (event.kind === 'HISTORY_PRUNED') {
    loadAll();
    return;
  }
  const touched = [event.rootUuid, ...(event.rootUuids ?? [])];
  // A provider that moved to another tree, or went, left its old tree changed too.
  for (const p of [event.providerUuid, ...(event.providerUuids ?? [])]) if (p) touched.push(rootOf.get(p));
  for (const r of touched) if (r) stale.add(r);
  askRefresh();
}

const REFRESH = `query Trees($ids: [ID!]!) { nodes(ids: $ids) { ... on ResourceProvider { ...Tree } } }
${TREE_FIELDS}`;

async function refresh() {
  if (fetching || !stale.size) return;
  const roots = [...stale].slice(0, PAGE);
  for (const r of roots) stale.delete(r);
  fetching = true;
  const mine = generation;
  try {
    const { nodes } = await gql(REFRESH, { ids: roots.map(globalId) });
    if (mine !== generation) return;
    nodes.forEach((node, i) => {
      // Deleted, or no longer a root: it joined another tree, which the same event named (its rootUuid).
      if (!node || node.subtree[0].parentUuid) forget(roots[i]);
      else put(node);
    });
    order = order.filter((r) => trees.has(r));
    refilter();
    // The detail (its consumers are one more request) only when its tree changed or went.
    const gone = selected !== null && !trees.has(selected);
    if (gone) selected = null;
    if (gone || roots.includes(selected)) drawDetail();
    // In the frame that draws them (refilter asked for it first).
    requestAnimationFrame(() => {
      const at = performance.timeOrigin + performance.now();
      for (const r of roots) updates.push({ root: r, at, used: Object.fromEntries([...(trees.get(r)?.totals ?? [])].map(([rc, t]) => [rc, t.used])) });
      if (updates.length > 20000) updates.splice(0, 10000);
    });
  } catch (err) {
    for (const r of roots) stale.add(r);
    console.warn('refresh:', err.message);
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    fetching = false;
    askRefresh();
  }
}

/** For the tests and anyone timing the page. */
window.dashboard = { updates, trees, cloud, loads };

// ---- drawing ---------------------------------------------------------------------------------

const filters = { name: '', trait: '', aggregate: '', rc: '', full: false };

function matches(t) {
  if (filters.name && !t.lower.includes(filters.name)) return false;
  if (filters.trait && !t.traits.has(filters.trait)) return false;
  if (filters.aggregate && !t.aggregates.has(filters.aggregate)) return false;
  if (filters.rc && !t.totals.has(filters.rc)) return false;
  if (filters.full && t.fullest < NEARLY_FULL) return false;
  return true;
}

let drawAsked = null;
/** Draws in the next frame: `filter` when the trees or filters changed, else (a scroll) the rows only. */
function draw(filter) {
  if (drawAsked !== null) {
    drawAsked ||= filter;
    return;
  }
  drawAsked = filter;
  requestAnimationFrame(() => {
    const all = drawAsked;
    drawAsked = null;
    if (!all) return drawRows();
    shown = order.filter((r) => matches(trees.get(r)));
    $('shown').textContent = `${shown.length} shown`;
    $('trees').dataset.shown = String(shown.length);
    $('counts').textContent = `${trees.size} trees`;
    drawRows();
    drawSummary();
  });
}

const refilter = () => draw(true);

function bar(rc, t) {
  const scale = t.capacity + t.reserved || 1;
  const ratio = t.capacity ? t.used / t.capacity : 0;
  const cls = ratio >= NEARLY_FULL ? 'bar full' : ratio >= 0.7 ? 'bar warn' : 'bar';
  return el(
    'span',
    { class: cls, 'data-class': rc, 'data-used': t.used, 'data-capacity': t.capacity, 'data-reserved': t.reserved, title: `${rc}: ${t.used} used of ${t.capacity} (reserved ${t.reserved})` },
    rc,
    el(
      'span',
      { class: 'track' },
      el('span', { class: 'reserved', style: `width:${(100 * t.reserved) / scale}%` }),
      el('span', { class: 'used', style: `left:${(100 * t.reserved) / scale}%;width:${(100 * Math.min(t.used, t.capacity)) / scale}%` }),
    ),
    el('span', { class: 'num' }, `${t.used}/${t.capacity}`),
  );
}

const tags = (t, most = 6) => {
  const list = [...t.traits].slice(0, most).map((x) => el('span', { class: x === SHARES ? 'tag sharing' : 'tag' }, x));
  const aggs = [...t.aggregates].slice(0, 3).map((a) => el('span', { class: 'tag agg', title: a }, `agg ${a.slice(0, 8)}`));
  return el('span', { class: 'tags' }, list, aggs);
};

function drawRows() {
  const box = $('trees');
  const spacer = $('trees-spacer');
  spacer.style.height = `${shown.length * ROW}px`;
  const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 3);
  const last = Math.min(shown.length, Math.ceil((box.scrollTop + box.clientHeight) / ROW) + 3);
  const rows = [];
  for (let i = first; i < last; i++) {
    const t = trees.get(shown[i]);
    rows.push(
      el(
        'div',
        { class: t.uuid === selected ? 'tree selected' : 'tree', 'data-root': t.uuid, style: `top:${i * ROW}px`, tabIndex: 0, role: 'button' },
        el(
          'div',
          { class: 'title' },
          el('span', { class: 'name' }, t.name),
          el('span', { class: 'meta' }, `${t.providers.length} provider${t.providers.length === 1 ? '' : 's'}`),
          t.sharing ? el('span', { class: 'tag sharing' }, 'sharing') : null,
          tags(t),
        ),
        el(
          'div',
          { class: 'bars' },
          [...t.totals].map(([rc, x]) => bar(rc, x)),
        ),
      ),
    );
  }
  spacer.replaceChildren(...rows);
}

/** Used over time, scaled to the range it moved in (a few units on a big cloud still show). */
function sparkline(samples) {
  const values = samples.length === 1 ? [samples[0], samples[0]] : samples;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 160 18');
  svg.setAttribute('preserveAspectRatio', 'none');
  const low = Math.min(...values);
  const high = Math.max(...values);
  const title = document.createElementNS(ns, 'title');
  title.textContent = samples.length ? `used ${low}–${high} over the last ${samples.length} s` : '';
  const line = document.createElementNS(ns, 'polyline');
  const n = values.length;
  const y = (v) => (high > low ? 17 - (16 * (v - low)) / (high - low) : 9);
  line.setAttribute('points', values.map((v, i) => `${n > 1 ? (160 * i) / (n - 1) : 0},${y(v)}`).join(' '));
  svg.append(title, line);
  return svg;
}

function drawSummary() {
  const rows = [...cloud]
    .filter(([, c]) => c.capacity || c.used)
    .map(([rc, c]) =>
      el(
        'tr',
        { 'data-class': rc, 'data-capacity': c.capacity, 'data-used': c.used, 'data-free': c.free },
        el('td', {}, rc),
        el('td', {}, String(c.capacity)),
        el('td', {}, String(c.used)),
        el('td', {}, String(c.reserved)),
        el('td', {}, String(c.free)),
        el('td', {}, sparkline(history.map((h) => h.get(rc) ?? 0))),
      ),
    );
  $('summary-table').tBodies[0].replaceChildren(...rows);
}

function sample() {
  history.push(new Map([...cloud].map(([rc, c]) => [rc, c.used])));
  if (history.length > SAMPLES) history.shift();
  drawSummary();
}

/** Trees a sharing provider serves: those with a provider in one of its aggregates. */
function servedBy(provider, ownRoot) {
  const aggs = new Set(provider.aggregates);
  const out = [];
  if (!aggs.size) return out;
  for (const r of order) {
    if (r === ownRoot) continue;
    const t = trees.get(r);
    for (const a of t.aggregates) {
      if (aggs.has(a)) {
        out.push(t);
        break;
      }
    }
  }
  return out;
}

const DETAIL = `query Detail($uuid: String!) {
  resourceProvider(uuid: $uuid) { subtree { uuid provider { allocations { consumer { uuid projectId userId } resources { resourceClass amount } } } } }
}`;

let detailAsked = 0;

/** The selected tree: each provider with its bars, tags, consumers; sharing providers and whom they serve. */
async function drawDetail() {
  const box = $('detail');
  const t = selected && trees.get(selected);
  if (!t) {
    box.replaceChildren(el('p', { class: 'hint' }, 'Select a tree to see its providers, sharing providers and consumers.'));
    return;
  }
  const asked = ++detailAsked;
  let held = new Map();
  try {
    const data = await gql(DETAIL, { uuid: t.uuid });
    held = new Map((data.resourceProvider?.subtree ?? []).map((p) => [p.uuid, p.provider.allocations]));
  } catch (err) {
    held = null;
    console.warn('detail:', err.message);
  }
  if (asked !== detailAsked) return;
  const sharers = [];
  for (const r of order) {
    const other = trees.get(r);
    if (r === t.uuid || !other.sharing) continue;
    for (const p of other.providers) if (p.traits.includes(SHARES) && p.aggregates.some((a) => t.aggregates.has(a))) sharers.push(p);
  }
  const rows = t.providers.map((p) => {
    const totals = new Map(p.inventories.map((i) => [i.resourceClass, { capacity: i.capacity, used: i.used, reserved: i.reserved }]));
    const allocations = held?.get(p.uuid) ?? [];
    const serves = p.traits.includes(SHARES) ? servedBy(p, t.uuid) : [];
    return el(
      'div',
      { class: 'provider', 'data-provider': p.uuid, style: `margin-left:${p.depth * 16}px` },
      el('div', { class: 'title' }, p.name, ' ', el('small', { class: 'meta' }, p.uuid)),
      el(
        'div',
        { class: 'bars' },
        [...totals].map(([rc, x]) => bar(rc, x)),
      ),
      tags({ traits: new Set(p.traits), aggregates: new Set(p.aggregates) }, 20),
      serves.length
        ? el(
            'div',
            { class: 'serves' },
            `shares with ${serves.length} tree(s): `,
            serves.slice(0, 20).map((s) => el('span', { class: 'tag' }, s.name)),
          )
        : null,
      held === null
        ? el('div', { class: 'hint' }, 'consumers: not readable with this token')
        : el(
            'ul',
            { class: 'consumers' },
            allocations.map((a) =>
              el('li', { 'data-consumer': a.consumer.uuid }, `${a.consumer.uuid} (project ${a.consumer.projectId}): `, a.resources.map((r) => `${r.resourceClass} ${r.amount}`).join(', ')),
            ),
          ),
    );
  });
  // el() leaves out the parts that do not apply (null); replaceChildren would print them.
  box.replaceChildren(
    ...el(
      'div',
      {},
      el('h2', {}, t.name),
      sharers.length
        ? el(
            'p',
            {},
            'Served by sharing providers: ',
            sharers.map((p) => el('span', { class: 'tag sharing', 'data-sharer': p.uuid }, p.name)),
          )
        : null,
      rows,
    ).childNodes,
  );
}

function fillChoices() {
  const traits = new Set();
  const aggs = new Set();
  for (const t of trees.values()) {
    for (const x of t.traits) traits.add(x);
    for (const a of t.aggregates) aggs.add(a);
  }
  $('traits-list').replaceChildren(...[...traits].sort().map((x) => el('option', { value: x })));
  $('aggregates-list').replaceChildren(...[...aggs].sort().map((x) => el('option', { value: x })));
  const rc = $('f-class');
  const keep = rc.value;
  rc.replaceChildren(el('option', { value: '' }, 'any class'), ...[...cloud.keys()].sort().map((x) => el('option', { value: x }, x)));
  rc.value = keep;
}

function showError(err) {
  const box = $('error');
  box.hidden = !err;
  if (!err) return;
  const auth = err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN';
  box.textContent = auth ? `${err.message} Paste a token above.` : `Could not load: ${err.message} (retrying)`;
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $('trees').addEventListener('scroll', () => draw(false));
  const select = (e) => {
    const row = e.target.closest('[data-root]');
    if (!row) return;
    selected = row.dataset.root;
    showTab('detail');
    refilter();
    drawDetail();
  };
  $('trees').addEventListener('click', select);
  $('trees').addEventListener('keydown', (e) => e.key === 'Enter' && select(e));
  const filter = (id, key, read) =>
    $(id).addEventListener('input', () => {
      filters[key] = read($(id));
      $('trees').scrollTop = 0;
      refilter();
    });
  filter('f-name', 'name', (e) => e.value.trim().toLowerCase());
  filter('f-trait', 'trait', (e) => e.value.trim());
  filter('f-aggregate', 'aggregate', (e) => e.value.trim());
  filter('f-class', 'rc', (e) => e.value);
  filter('f-full', 'full', (e) => e.checked);
  $('full-threshold').textContent = String(NEARLY_FULL * 100);
  $('token').value = token() ?? '';
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('token').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    loadAll();
  });
  $('token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $('token').value = '';
    loadAll();
  });
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  initExplain({ gql, form: $('explain-form'), result: $('explain-result'), el });
}

function showTab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const p of document.querySelectorAll('[data-panel]')) p.hidden = p.dataset.panel !== name;
}

wire();
setLive('connecting');
setInterval(sample, SAMPLE_MS);
loadAll();
