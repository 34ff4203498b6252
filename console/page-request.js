// One request: its timeline, the actions allowed now, the export and the certificate.
//
// Actions are a table, not code paths: each names the API operation it calls, the roles that
// may call it and when it applies. An action shows only when the API documents its operation,
// the signed-in person holds one of its roles in this tenant and the request's state allows it,
// so new workflow steps (verification, pause, cancel...) slot in by adding a row.

import { api, operations, tenantPath } from './api.js';
import { banner, button, clear, countdown, downloadJson, h, label, link, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can, isMe } from './session.js';
import { announce, heading, isCurrent } from './shell.js';
import { FINISHED, typeName } from './page-requests.js';
import { tenantName } from './page-tenants.js';
import { recordingsSection } from './recordings.js';
import { matchesSection } from './request-matches.js';

const R = '/api/v1/tenants/{tenantId}/dsar/{requestId}';
const OPEN = new Set(['received', 'awaiting_approval', 'awaiting_requester']);
const NEEDS_CHECK = new Set(['erasure', 'rectification']);
const POLL_MS = 1500;

const undecided = (r) => OPEN.has(r.status) && !r.decidedBy;
const restricting = (r) => ['restriction', 'objection'].includes(r.type) && r.status === 'completed' && !r.result?.lifted;
const verified = (r) => Boolean(r.verification);
const mustVerify = (r) => NEEDS_CHECK.has(r.type) || r.source === 'widget';

// Why this person cannot approve now (null: they can), per API.md v1.1's two-person rules.
function approvalBlocked(r, ops) {
  if (isMe(r.startedBy)) return 'You started this request, so another privacy admin must decide it.';
  if (r.paused) return 'The request is waiting for the requester. Resume it before approving.';
  if (ops.has(`post ${R}/verification`) && mustVerify(r)) {
    if (!verified(r)) return 'The requester\'s identity must be checked before anyone can approve.';
    if (isMe(r.verification.by || r.verification.verifiedBy)) return 'You checked the requester\'s identity, so another privacy admin must approve.';
  }
  return null;
}

const reason = { name: 'reason', label: 'Reason', type: 'textarea', required: 'Enter a reason', hint: 'Recorded with the decision.' };
export const ACTIONS = [
  {
    id: 'verify', title: 'Record the identity check', op: ['post', '/verification'], roles: [ROLE.OPERATOR, ROLE.ADMIN],
    applies: (r) => undecided(r) && !verified(r),
    fields: [{ name: 'method', label: 'How was the identity checked?', type: 'radios', required: 'Choose how the identity was checked',
      options: [['email', 'Email'], ['phone', 'Phone'], ['document', 'Identity document'], ['account', 'Signed-in account'], ['other', 'Other']] },
    { name: 'note', label: 'Note (optional)', type: 'textarea', hint: 'Kept sealed with the request, never in the audit trail.' }],
    body: (v) => ({ method: v.method, ...(v.note ? { note: v.note } : {}) }), done: 'Identity check recorded.',
  },
  {
    id: 'approve', title: 'Approve', op: ['post', '/decision'], roles: [ROLE.ADMIN],
    applies: (r, ops) => undecided(r) && !approvalBlocked(r, ops), fields: [reason],
    body: (v) => ({ approve: true, reason: v.reason }), done: 'Request approved.',
  },
  {
    id: 'reject', title: 'Reject', op: ['post', '/decision'], roles: [ROLE.ADMIN],
    applies: (r) => undecided(r) && !isMe(r.startedBy), fields: [reason],
    body: (v) => ({ approve: false, reason: v.reason }), done: 'Request rejected.',
  },
  {
    id: 'extend', title: 'Extend the deadline', op: ['post', '/extension'], roles: [ROLE.ADMIN],
    applies: (r) => !FINISHED.has(r.status),
    fields: [{ name: 'days', label: 'Extra days', type: 'number', width: 'short', required: 'Enter the number of days', hint: 'At most two months in total, when the request is complex or one of many.' }, reason],
    body: (v) => ({ days: Number(v.days), reason: v.reason }), done: 'Deadline extended.',
  },
  {
    id: 'pause', title: 'Wait for the requester', op: ['post', '/pause'], roles: [ROLE.OPERATOR, ROLE.ADMIN],
    applies: (r) => undecided(r) && !r.paused,
    fields: [{ name: 'reason', label: 'What are you waiting for?', type: 'radios', required: 'Choose what you are waiting for',
      options: [['identity_documents', 'Identity documents'], ['clarification', 'A clarification'], ['other', 'Something else']] },
    { name: 'note', label: 'Note (optional)', type: 'textarea', hint: 'Kept sealed with the request. The deadline stops until you resume.' }],
    body: (v) => ({ reason: v.reason, ...(v.note ? { note: v.note } : {}) }), done: 'The request waits for the requester; its deadline is paused.',
  },
  { id: 'resume', title: 'The requester answered: resume', op: ['post', '/resume'], roles: [ROLE.OPERATOR, ROLE.ADMIN], applies: (r) => Boolean(r.paused), fields: [], body: () => ({}), done: 'Request resumed; the deadline moved by the time it waited.' },
  { id: 'cancel', title: 'Cancel the erasure', op: ['post', '/cancel'], roles: [ROLE.ADMIN], applies: (r) => r.status === 'approved', fields: [reason], body: (v) => ({ reason: v.reason }), done: 'Erasure cancelled; nothing was erased.' },
  { id: 'lift', title: 'Lift', op: ['post', '/lift'], roles: [ROLE.ADMIN], applies: restricting, fields: [reason], body: (v) => ({ reason: v.reason }), done: 'Lifted: the widget accepts this person\'s data again.' },
  { id: 'retry', title: 'Retry', op: ['post', '/retry'], roles: [ROLE.ADMIN], applies: (r) => r.status === 'failed' && !r.minimisedAt, fields: [], body: () => ({}), done: 'Request started again.' },
];

export function allowedNow(r, tenantId, ops) {
  return ACTIONS.filter((a) => ops.has(`${a.op[0]} ${R}${a.op[1]}`) && can(a.roles, tenantId) && a.applies(r, ops));
}

function timeline(r) {
  const at = (status) => r.history.find((e) => e.status === status);
  const steps = [
    ['Received', at('received')?.at, r.source === 'widget' ? 'through the widget' : 'by an operator'],
    ['Identity checked', r.verification?.at, r.verification ? `by ${label(r.verification.method)}` : null],
    [r.status === 'rejected' ? 'Rejected' : 'Approved', r.decidedAt || at('rejected')?.at || (r.decidedBy ? at('running')?.at : null), r.decidedBy ? (isMe(r.decidedBy) ? 'by you' : `by ${r.decidedBy}`) : null],
    ['Running', at('running')?.at, null],
    [{ failed: 'Failed', cancelled: 'Cancelled' }[r.status] || 'Completed', at('completed')?.at || at('failed')?.at || at('cancelled')?.at, null],
  ];
  return h('ol', { class: 'timeline' }, steps.map(([title, time, detail]) => h('li', { class: `timeline__step ${time ? 'timeline__step--done' : ''}` },
    h('span', { class: 'timeline__title' }, title), ' ',
    time ? h('span', { class: 'timeline__when' }, when(time), detail ? ` ${detail}` : '') : h('span', { class: 'timeline__when' }, 'Not yet'))));
}

function actionPanel(action, r, tenantId, refresh) {
  const path = tenantPath(tenantId, `/dsar/${encodeURIComponent(r.requestId)}${action.op[1]}`);
  const submit = async (v) => {
    await api(path, { method: action.op[0].toUpperCase(), body: action.body(v) });
    announce(action.done);
    await refresh(action.done);
  };
  const content = action.fields.length ? form({ fields: action.fields.map((f) => ({ ...f, id: `${action.id}-${f.name}` })), submitText: action.title, submit })
    : button(action.title, () => submit({}));
  return h('details', { class: 'action', dataset: { action: action.id } }, h('summary', { class: 'action__summary' }, action.title), h('div', { class: 'action__body' }, content));
}

function waitingWords(r, tenantId, ops) {
  if (r.status === 'failed') return 'The request failed. A privacy admin can retry it.';
  if (FINISHED.has(r.status)) return 'This request is closed.';
  if (r.paused) return 'Waiting for the requester; the deadline is paused.';
  if (r.status === 'approved') return 'Approved. The erasure runs at the end of its waiting period.';
  if (r.status === 'running') return 'The request is being carried out. This page updates by itself.';
  if (can(ROLE.ADMIN, tenantId) && undecided(r)) return approvalBlocked(r, ops) || 'Nothing to do now.';
  if (undecided(r)) return 'Waiting for a privacy admin\'s decision.';
  return 'Nothing to do now.';
}

function results(r, tenantId) {
  const parts = [];
  const base = tenantPath(tenantId, `/dsar/${encodeURIComponent(r.requestId)}`);
  const expires = r.result?.exportExpiresAt;
  if (r.status === 'completed' && expires && new Date(expires) > Date.now()) {
    parts.push(h('h2', {}, 'Export'), h('p', {}, 'Available until ', when(expires), '.'),
      h('ul', { class: 'plain' }, h('li', {}, h('a', { class: 'link', href: `/api${base}/export?format=zip`, download: `${r.requestId}.zip` }, 'Download the export (zip of JSON and CSV)')),
        h('li', {}, h('a', { class: 'link', href: `/api${base}/export`, download: `${r.requestId}.json` }, 'Download the export (JSON)'))));
  }
  if (r.result) {
    parts.push(h('h2', {}, 'Certificate'), h('p', {}, 'What was done, with counts and times and no personal data.'),
      h('div', { class: 'button-group' }, link(`#/t/${tenantId}/requests/${r.requestId}/certificate`, 'View the certificate', { class: 'button button--secondary' }),
        button('Download the certificate', () => downloadJson(`${r.requestId}-certificate.json`, certificateOf(r)), 'button--secondary')));
  }
  return parts;
}

const certificateOf = (r) => ({ requestId: r.requestId, type: r.type, status: r.status, receivedAt: r.receivedAt, deadline: r.deadline, decidedBy: r.decidedBy, certificate: r.result });

function render(el, r, tenantId, ops, refresh) {
  const actions = allowedNow(r, tenantId, ops);
  clear(el, heading(typeName(r.type), tenantName(tenantId)),
    summary([['Request id', h('code', {}, r.requestId)], ['Status', h('span', { id: 'request-status' }, tag(r.status))],
      ['Source', label(r.source)], ['Received', when(r.receivedAt)],
      ['Deadline', h('span', {}, countdown(r.deadline, Date.now(), FINISHED.has(r.status)), ' (', when(r.deadline), ')')],
      ['Started by', r.startedBy ? (isMe(r.startedBy) ? 'You' : r.startedBy) : 'The visitor'],
      r.progress && Object.keys(r.progress).length ? ['Progress', Object.entries(r.progress).map(([k, v]) => `${label(k)}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ')] : null]),
    h('h2', {}, 'Timeline'), timeline(r),
    matchesSection(r, tenantId, ops, refresh),
    h('h2', {}, 'What you can do now'),
    actions.length ? h('div', { class: 'actions' }, actions.map((a) => actionPanel(a, r, tenantId, refresh))) : h('p', { id: 'no-actions' }, waitingWords(r, tenantId, ops)),
    results(r, tenantId),
    recordingsSection(r, tenantId),
    h('p', {}, link(`#/t/${tenantId}/requests`, 'Back to the requests')));
}

export async function page({ tenantId, ids: [requestId], token }, el) {
  const path = tenantPath(tenantId, `/dsar/${encodeURIComponent(requestId)}`);
  const [first, ops] = await Promise.all([api(path), operations()]);
  let last = first;
  const refresh = async (done) => {
    last = await api(path);
    if (!isCurrent(token)) return;
    render(el, last, tenantId, ops, refresh);
    if (done) el.prepend(banner('success', done));
  };
  render(el, first, tenantId, ops, refresh);
  // Follow the request while the service works on it; announce each change of status.
  const poll = async () => {
    if (!isCurrent(token) || FINISHED.has(last.status)) return;
    const before = last.status;
    try {
      const fresh = await api(path);
      if (!isCurrent(token)) return;
      if (fresh.status !== before || fresh.history.length !== last.history.length) {
        last = fresh;
        const focused = el.contains(document.activeElement) && document.activeElement.closest('details');
        if (!focused) render(el, last, tenantId, ops, refresh);
        announce(`Request status: ${label(last.status)}.`);
      }
    } catch { /* a failed poll is retried */ }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}

export async function certificate({ tenantId, ids: [requestId] }, el) {
  const r = await api(tenantPath(tenantId, `/dsar/${encodeURIComponent(requestId)}`));
  if (!r.result) {
    clear(el, heading('Certificate'), banner('info', 'No certificate yet', h('p', {}, 'A certificate is issued when the request is completed or closed.')));
    return;
  }
  const scalar = Object.entries(r.result).filter(([, v]) => v === null || typeof v !== 'object');
  const nested = Object.entries(r.result).filter(([, v]) => v !== null && typeof v === 'object');
  clear(el, heading(`Certificate: ${typeName(r.type).toLowerCase()}`, tenantName(tenantId)),
    summary([['Request id', h('code', {}, r.requestId)], ['Status', tag(r.status)], ['Received', when(r.receivedAt)],
      ...scalar.filter(([k]) => !['requestId', 'receivedAt'].includes(k)).map(([k, v]) => [label(k), /At$/.test(k) ? when(v) : String(v ?? '—')])]),
    nested.map(([k, v]) => [h('h2', {}, label(k)), rows(label(k), v)]),
    h('div', { class: 'button-group' }, button('Download the certificate', () => downloadJson(`${r.requestId}-certificate.json`, certificateOf(r))),
      link(`#/t/${tenantId}/requests/${r.requestId}`, 'Back to the request')));
}

// A nested part of a certificate: a list of objects as a table, anything else as a summary.
function rows(caption, value) {
  if (Array.isArray(value) && value.every((v) => v && typeof v === 'object')) {
    const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
    return table(caption, keys.map(label), value.map((v) => keys.map((k) => show(v[k]))));
  }
  return summary(Object.entries(value).map(([k, v]) => [label(k), show(v)]));
}

const show = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v ?? '—'));
