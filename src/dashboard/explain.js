// "Why not?": asks Query.explainAllocationCandidates for one request group and shows, per tree,
// whether it fits and why not (the reasons, and the one change that would make it fit).

const EXPLAIN = `query Explain($request: AllocationCandidatesInput!, $limit: Int) {
  explainAllocationCandidates(request: $request, limit: $limit) {
    treesConsidered
    treesFitting
    trees { rootUuid rootName fits reasons { kind message providerUuid resourceClass } wouldFitIf { kind message } }
    summary { fitting reasons { kind message trees } bestChange { kind message trees } largestFree { resourceClass free providerUuid providerName } }
  }
}`;

const list = (text) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** "VCPU:2, MEMORY_MB:2048" -> [{resourceClass, amount}]; throws on anything else. */
export function parseResources(text) {
  return list(text).map((item) => {
    const m = /^([A-Z0-9_]+)[:=](\d+)$/.exec(item);
    if (!m) throw new Error(`"${item}" is not CLASS:amount`);
    return { resourceClass: m[1], amount: Number(m[2]) };
  });
}

/** The one request group the form describes: traits (a leading ! forbids one) and any-of aggregates. */
export function requestOf({ resources, traits, aggregates }) {
  const group = { resources: parseResources(resources) };
  const names = list(traits);
  const required = names.filter((t) => !t.startsWith('!'));
  const forbidden = names.filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  if (required.length) group.requiredTraits = required;
  if (forbidden.length) group.forbiddenTraits = forbidden;
  const aggs = list(aggregates);
  if (aggs.length) group.memberOf = [aggs];
  return { groups: [group] };
}

export function initExplain({ gql, form, result, el }) {
  const value = (id) => form.querySelector(`#${id}`).value;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.dataset.state = 'asking';
    result.replaceChildren(el('p', { class: 'hint' }, 'asking…'));
    let answer;
    try {
      const request = requestOf({ resources: value('x-resources'), traits: value('x-traits'), aggregates: value('x-aggregates') });
      answer = (await gql(EXPLAIN, { request, limit: Number(value('x-limit')) || 50 })).explainAllocationCandidates;
    } catch (err) {
      const missing = /Cannot query field "explainAllocationCandidates"/.test(err.message);
      result.dataset.state = 'error';
      result.replaceChildren(el('p', { class: 'error' }, missing ? 'This server has no explain query (explainAllocationCandidates) yet.' : err.message));
      return;
    }
    const s = answer.summary;
    result.dataset.state = 'done';
    // el() leaves out the parts that do not apply (null); replaceChildren would print them.
    result.replaceChildren(
      ...el(
        'div',
        {},
        el('p', { class: 'verdict-summary' }, `${answer.treesFitting} of ${answer.treesConsidered} trees fit.`),
        s.bestChange ? el('p', { class: 'would' }, `Best single change: ${s.bestChange.message}`) : null,
        s.reasons.length ? el('ul', { class: 'reason-counts' }, ...s.reasons.slice(0, 10).map((r) => el('li', {}, r.message))) : null,
        s.largestFree.length ? el('p', {}, 'Largest free on one provider: ', s.largestFree.map((c) => `${c.resourceClass} ${c.free} (${c.providerName})`).join(', ')) : null,
        answer.trees.map((t) =>
          el(
            'div',
            { class: t.fits ? 'explanation fits' : 'explanation misses', 'data-root': t.rootUuid, 'data-fits': t.fits },
            el('strong', {}, t.rootName),
            ' ',
            el('span', { class: 'verdict' }, t.fits ? 'fits' : 'does not fit'),
            t.reasons.length ? el('ul', {}, ...t.reasons.map((r) => el('li', { 'data-kind': r.kind }, r.message))) : null,
            t.wouldFitIf ? el('div', { class: 'would' }, t.wouldFitIf.message) : null,
          ),
        ),
      ).childNodes,
    );
  });
}
