// The audit trail, newest first, filtered by time and action (filters stay in the page, not
// the address), paged by the API's continuation; and the chain check for auditors.

import { api, tenantPath } from './api.js';
import { banner, button, clear, h, pager, table, tag, when } from './dom.js';
import { ROLE, can } from './session.js';
import { announce, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const PAGE = 25;

const details = (d) => Object.entries(d || {}).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ');

function filtersForm(apply) {
  const field = (name, text, type, hint) => h('div', { class: 'form-group form-group--inline' },
    h('label', { class: 'label', for: `audit-${name}` }, text),
    hint ? h('p', { class: 'hint', id: `audit-${name}-hint` }, hint) : null,
    h('input', { class: 'input input--medium', id: `audit-${name}`, name, type, 'aria-describedby': hint ? `audit-${name}-hint` : null }));
  const formEl = h('form', { class: 'filters', 'aria-label': 'Filter the audit trail' },
    field('from', 'From', 'date'), field('to', 'To', 'date'), field('action', 'Action', 'text', 'Exact name, like dsar.decided'),
    h('button', { class: 'button button--secondary', type: 'submit' }, 'Apply filters'));
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(formEl);
    const filters = {};
    if (data.get('from')) filters.from = `${data.get('from')}T00:00:00Z`;
    if (data.get('to')) filters.to = `${data.get('to')}T23:59:59Z`;
    if (data.get('action')) filters.action = data.get('action').trim();
    apply(filters);
  });
  return formEl;
}

function verifier(tenantId) {
  const result = h('div', {});
  const run = button('Verify the chain', async () => {
    run.disabled = true;
    try {
      const v = await api(tenantPath(tenantId, '/audit/verify'));
      const text = v.valid ? `The chain is intact: ${v.entries} entries checked.` : `The chain is broken at entry ${v.firstBrokenAt} (${v.entries} entries checked).`;
      const back = v.outOfOrder || [];
      const timeNote = back.length ? `${back.length} ${back.length === 1 ? 'entry is' : 'entries are'} dated before the entry they follow (first: ${back[0].id}): the clock that wrote them went back, so their times cannot be trusted.` : '';
      clear(result, banner(v.valid ? 'success' : 'error', v.valid ? 'Chain verified' : 'Chain broken', h('p', { id: 'verify-result' }, tag(v.valid ? 'valid' : 'broken'), ' ', text), timeNote ? h('p', { id: 'verify-time' }, timeNote) : null));
      announce(`${text} ${timeNote}`.trim());
    } catch (error) {
      clear(result, banner('error', 'The chain could not be checked', h('p', {}, error.words || String(error))));
    } finally {
      run.disabled = false;
    }
  });
  return [h('p', {}, 'Recompute every entry\'s hash to prove nothing was edited, removed or reordered.'), h('p', {}, run), result];
}

export async function trail({ tenantId }, el) {
  const body = h('div', {});
  let filters = {};
  let tokens = [null];
  const draw = async (index) => {
    const query = new URLSearchParams({ limit: PAGE, ...filters, ...(tokens[index] ? { continuation: tokens[index] } : {}) });
    const page = await api(`${tenantPath(tenantId, '/audit')}?${query}`);
    if (page.continuation) tokens[index + 1] = page.continuation;
    const pages = page.continuation ? index + 2 : index + 1;
    clear(body, table('Audit entries, newest first', ['Entry', 'When', 'Action', 'Actor', 'Target', 'Outcome', 'Details'],
      page.items.map((e) => [String(e.seq), when(e.at), h('code', {}, e.action), h('code', { class: 'small' }, e.actor), h('code', { class: 'small' }, e.target), e.outcome, details(e.details)]),
      'No entry matches these filters.'),
    pages > 1 ? pager(index, pages, (to) => draw(to).then(() => body.querySelector('caption')?.focus()), 'Audit') : null);
  };
  await draw(0);
  const apply = async (chosen) => { filters = chosen; tokens = [null]; await draw(0); announce('Filters applied.'); };
  clear(el, heading('Audit trail', tenantName(tenantId)),
    can(ROLE.AUDITOR, tenantId) ? [h('h2', {}, 'Check the chain'), ...verifier(tenantId)] : null,
    h('h2', {}, 'Entries'), filtersForm((f) => apply(f).catch((error) => clear(body, banner('error', 'The entries could not be loaded', h('p', {}, error.words || String(error)))))), body);
}
