// The request queue (overdue first, as the API orders it) with filters held in memory only,
// and the form to start a request. Identifiers typed here go in a request body, never a URL.

import { api, pages, tenantPath } from './api.js';
import { clear, countdown, h, label, link, paged, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

export const TYPES = ['access', 'portability', 'rectification', 'erasure', 'restriction', 'objection', 'consent_withdrawal'];
export const STATUSES = ['received', 'awaiting_approval', 'awaiting_requester', 'approved', 'running', 'completed', 'rejected', 'cancelled', 'failed'];
export const FINISHED = new Set(['completed', 'rejected', 'cancelled', 'failed']);
const filters = new Map(); // tenant id -> the filters last chosen (this page view only)

export const typeName = (type) => `${label(type).replace(/^./, (c) => c.toUpperCase())} request`;

function matches(item, f) {
  if (f.status === 'open' && FINISHED.has(item.status)) return false;
  if (f.status && f.status !== 'open' && f.status !== 'all' && item.status !== f.status) return false;
  if (f.type && item.type !== f.type) return false;
  if (f.source && item.source !== f.source) return false;
  return !(f.overdue && !item.overdue);
}

function filterForm(current, apply) {
  const select = (name, text, options) => h('div', { class: 'form-group form-group--inline' },
    h('label', { class: 'label', for: `filter-${name}` }, text),
    h('select', { class: 'select', id: `filter-${name}`, name }, options.map(([v, t]) => h('option', { value: v, selected: (current[name] || '') === v }, t))));
  const formEl = h('form', { class: 'filters', 'aria-label': 'Filter requests' },
    select('status', 'Status', [['open', 'Open'], ['all', 'All'], ...STATUSES.map((s) => [s, label(s)])]),
    select('type', 'Type', [['', 'Any type'], ...TYPES.map((t) => [t, label(t)])]),
    select('source', 'Source', [['', 'Any source'], ['widget', 'Widget'], ['admin', 'Admin']]),
    h('div', { class: 'checkbox checkbox--inline' },
      h('input', { type: 'checkbox', id: 'filter-overdue', name: 'overdue', checked: Boolean(current.overdue) }),
      h('label', { for: 'filter-overdue' }, 'Overdue only')),
    h('button', { class: 'button button--secondary', type: 'submit' }, 'Apply filters'));
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(formEl);
    apply({ status: data.get('status'), type: data.get('type'), source: data.get('source'), overdue: data.get('overdue') === 'on' });
  });
  return formEl;
}

// Every request of the tenant, in the API's order (overdue first), page by page: the filters
// and the pages of the table work on the whole queue.
async function allRequests(tenantId) {
  const items = [];
  for await (const page of pages(tenantPath(tenantId, '/dsar'), { limit: 500 })) items.push(...page.items);
  return items;
}

export async function queue({ tenantId }, el) {
  const items = await allRequests(tenantId);
  const results = h('div', {});
  const now = Date.now();
  const draw = (f) => {
    filters.set(tenantId, f);
    const shown = items.filter((item) => matches(item, f));
    clear(results, h('p', { class: 'hint', role: 'status' }, `${shown.length} of ${items.length} requests`),
      paged(shown, 20, (slice) => table('Requests, overdue first', ['Request', 'Status', 'Source', 'Received', 'Deadline'],
        slice.map((r) => [
          h('span', {}, link(`#/t/${tenantId}/requests/${r.requestId}`, typeName(r.type)), h('br'), h('code', { class: 'small' }, r.requestId)),
          tag(r.status), label(r.source), when(r.receivedAt, true),
          h('span', {}, countdown(r.deadline, now, FINISHED.has(r.status)), h('br'), h('span', { class: 'small' }, when(r.deadline, true))),
        ]), 'No request matches these filters.'), 'Request'));
  };
  const current = filters.get(tenantId) || { status: 'open' };
  clear(el, heading('Requests', tenantName(tenantId)),
    can([ROLE.OPERATOR, ROLE.ADMIN], tenantId) ? h('p', {}, link(`#/t/${tenantId}/requests/new`, 'Start a request', { class: 'button' })) : null,
    filterForm(current, draw), results);
  draw(current);
}

function requestBody(v) {
  const identifiers = {};
  for (const key of ['email', 'phone', 'visitorId']) if (v[key]) identifiers[key] = v[key];
  const body = { type: v.type, identifiers };
  if (v.requester) body.requester = v.requester;
  if (v.notes) body.notes = v.notes;
  if (v.type === 'rectification') {
    body.changes = {};
    for (const key of ['newEmail', 'newPhone', 'newName']) if (v[key]) body.changes[key.slice(3).toLowerCase()] = v[key];
  }
  return body;
}

export async function start({ tenantId }, el) {
  const fields = [
    { name: 'type', label: 'What is the person asking for?', type: 'radios', required: 'Choose the type of request', options: TYPES.map((t) => [t, typeName(t)]) },
    { name: 'email', path: '/identifiers/email', label: 'Email address (optional)', type: 'email', autocomplete: 'off', hint: 'Give at least one of email, phone or visitor id.' },
    { name: 'phone', path: '/identifiers/phone', label: 'Phone number (optional)', type: 'tel', width: 'medium' },
    { name: 'visitorId', path: '/identifiers/visitorId', label: 'Visitor id (optional)', width: 'medium' },
    { name: 'requester', label: 'Who asked (optional)', hint: 'For example the person themselves, or their representative.' },
    { name: 'notes', label: 'Notes (optional)', type: 'textarea', hint: 'Kept encrypted with the request.' },
    { name: 'newEmail', path: '/changes/email', label: 'Corrected email (rectification only)', type: 'email' },
    { name: 'newPhone', path: '/changes/phone', label: 'Corrected phone (rectification only)', type: 'tel', width: 'medium' },
    { name: 'newName', path: '/changes/name', label: 'Corrected name (rectification only)' },
  ];
  clear(el, heading('Start a request', tenantName(tenantId)),
    h('p', {}, 'The deadline is one month from today. Erasure and rectification need a privacy admin\'s approval.'),
    form({
      fields,
      submitText: 'Start request',
      secondary: link(`#/t/${tenantId}/requests`, 'Cancel'),
      submit: async (v) => {
        const accepted = await api(tenantPath(tenantId, '/dsar'), { method: 'POST', body: requestBody(v) });
        go(`#/t/${tenantId}/requests/${accepted.requestId}`);
      },
    }));
}
