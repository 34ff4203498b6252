// Authority requests (Platform.Admin): the register of what courts, regulators and law
// enforcement asked for, recording a new one, and updating its gag order or its answer. Each
// tenant concerned is told at once, or when a gag order lapses or is lifted.

import { ApiError, api } from './api.js';
import { banner, clear, h, label, link, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce, go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const CATEGORIES = ['behaviour', 'technical', 'contact', 'conversation', 'recording', 'consent'];
const OUTCOMES = [['disclosed', 'Disclosed'], ['partially_disclosed', 'Partly disclosed'], ['refused', 'Refused'], ['challenged', 'Challenged in court']];
const GAGS = [['none', 'No gag order: tell the tenants now'], ['open', 'A gag order until it is lifted'], ['until', 'A gag order until a date']];
const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
const utc = (local) => (local ? new Date(`${local}Z`).toISOString() : undefined);
const path = (id) => `/v1/authority-requests/${encodeURIComponent(id)}`;

function platformOnly(el, title) {
  if (can(ROLE.PLATFORM)) return false;
  clear(el, heading(title), banner('error', 'You cannot open this page', h('p', {}, 'The register of authority requests is kept by platform admins (Platform.Admin for every tenant).')));
  return true;
}

function gagWords(gag) {
  if (!gag.ordered) return 'None';
  return gag.until ? h('span', {}, 'Until ', when(gag.until)) : 'Until lifted';
}

const gagFields = (hint, gag = { ordered: false }) => [
  { name: 'gag', label: 'Gag order', type: 'radios', value: gag.ordered ? (gag.until ? 'until' : 'open') : 'none', options: GAGS, hint },
  { name: 'gagUntil', path: '/gag/until', label: 'Gag order ends (UTC, for a dated order)', type: 'datetime-local', width: 'medium', value: gag.until ? gag.until.slice(0, 16) : '' },
];

// A dated order needs its date: without one the API would read "until lifted", not what was meant.
function gagBody(v) {
  if (v.gag === 'none') return { ordered: false };
  if (v.gag !== 'until') return { ordered: true };
  if (!v.gagUntil) {
    const message = 'Enter when the gag order ends';
    throw new ApiError(400, { detail: message, errors: [{ path: '/gag/until', message }] });
  }
  return { ordered: true, until: utc(v.gagUntil) };
}

export async function register(params, el) {
  if (platformOnly(el, 'Authority requests')) return;
  const { items } = await api('/v1/authority-requests');
  clear(el, heading('Authority requests'),
    h('p', {}, 'Requests of governmental, regulatory, judicial or law-enforcement authorities for customer data. Each tenant concerned is told unless the law forbids it.'),
    h('p', {}, link('#/authority/new', 'Record a request', { class: 'button' })),
    table('The register, newest first', ['Request', 'Authority', 'Received', 'Tenants', 'Gag order', 'Status'],
      items.map((r) => [link(`#/authority/${r.requestId}`, r.requestId), r.authority, when(r.receivedAt, true), String(r.tenantIds.length), gagWords(r.gag), tag(r.status)]),
      'No authority request has been recorded.'));
}

export async function record(params, el) {
  if (platformOnly(el, 'Record an authority request')) return;
  const fields = [
    { name: 'authority', label: 'Authority', required: 'Enter the authority', hint: 'Who asked, like the court or agency and its reference.' },
    { name: 'legalBasis', label: 'Legal basis', type: 'textarea', required: 'Enter the legal basis', hint: 'The law or order the request relies on.' },
    { name: 'receivedAt', label: 'Received at (UTC)', type: 'datetime-local', width: 'medium', required: 'Enter when the request was received' },
    { name: 'tenantIds', label: 'Tenants concerned', type: 'textarea', required: 'Enter at least one tenant id', hint: 'Tenant ids, one per line.', format: 'Enter tenant ids like t-1234, one per line' },
    { name: 'categories', label: 'Data asked for', type: 'checkboxes', required: 'Choose at least one category', options: CATEGORIES.map((c) => [c, label(c)]) },
    ...gagFields('While a gag order runs, nothing of the request reaches the tenants, their audit trails included.'),
  ];
  clear(el, heading('Record an authority request'), form({
    fields,
    submitText: 'Record the request',
    secondary: link('#/authority', 'Cancel'),
    submit: async (v) => {
      const body = { authority: v.authority, legalBasis: v.legalBasis, receivedAt: utc(v.receivedAt), tenantIds: lines(v.tenantIds), categories: v.categories, gag: gagBody(v) };
      const created = await api('/v1/authority-requests', { method: 'POST', body });
      announce('Request recorded.');
      go(`#/authority/${created.requestId}`);
    },
  }));
}

function updateForms(r) {
  const patch = (words) => async (body) => {
    await api(path(r.requestId), { method: 'PATCH', body });
    announce(words);
    go(`#/authority/${r.requestId}`);
  };
  const gag = form({
    fields: gagFields('Lifting the order tells the tenants now.', r.gag),
    submitText: 'Update the gag order',
    submit: (v) => patch('Gag order updated.')({ gag: gagBody(v) }),
  });
  const answer = r.response ? summary([['Outcome', label(r.response.outcome)], ['Note', r.response.note], ['Answered', when(r.respondedAt)]]) : form({
    fields: [
      { name: 'outcome', path: '/response/outcome', label: 'Outcome', type: 'radios', required: 'Choose the outcome', options: OUTCOMES },
      { name: 'note', path: '/response/note', label: 'What was given, or why not', type: 'textarea', required: 'Enter a note', hint: 'Shown to the tenants once they may be told. Recorded once.' },
    ],
    submitText: 'Record the answer',
    submit: (v) => patch('Answer recorded.')({ response: { outcome: v.outcome, note: v.note } }),
  });
  return [h('h2', {}, 'Gag order'), gag, h('h2', {}, 'Answer'), answer];
}

export async function detail({ ids: [requestId] }, el) {
  if (platformOnly(el, 'Authority request')) return;
  const r = await api(path(requestId));
  clear(el, heading('Authority request', r.requestId),
    summary([['Authority', r.authority], ['Legal basis', r.legalBasis], ['Received', when(r.receivedAt)], ['Data asked for', r.categories.map(label).join(', ')],
      ['Gag order', gagWords(r.gag)], ['Status', tag(r.status)], ['Recorded', when(r.recordedAt)]]),
    table('Tenants concerned', ['Tenant', 'Told'], r.notices.map((n) => [tenantName(n.tenantId), n.releasedAt ? when(n.releasedAt) : 'Not yet (gag order)'])),
    updateForms(r),
    h('p', {}, link('#/authority', 'Back to the register')));
}
