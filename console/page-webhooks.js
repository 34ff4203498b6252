// A tenant's webhooks (Privacy.Admin): the list (never a secret: the API has none to give),
// adding one with its signing secret shown once, and one webhook's page: its recent deliveries,
// a new secret (shown once; the old one keeps signing for the overlap) and deleting it.

import { api, eventTypes, tenantPath } from './api.js';
import { banner, button, clear, h, label, link, paged, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { shownOnce } from './once.js';
import { announce, go, heading, isCurrent } from './shell.js';
import { tenantName } from './page-tenants.js';

const PAGE = 20;
const EVENTS = {
  'dsar.received': 'A privacy request is received',
  'dsar.awaiting_approval': 'A request waits for approval',
  'dsar.deadline_approaching': 'A request\'s deadline is a week away',
  'dsar.completed': 'A request is completed',
  'dsar.overdue': 'A request is overdue',
  'incident.notice': 'A breach notice is issued',
  'subprocessor.change_proposed': 'A subprocessor change is proposed',
  'offboarding.export_ready': 'The offboarding export is ready',
};
// The API lists the event types; a new one shows by its name until it has words here.
export const eventChoice = (type) => [type, EVENTS[type] ? `${EVENTS[type]} (${type})` : type];

const all = (tenantId) => tenantPath(tenantId, '/webhooks');
const one = (tenantId, id, rest = '') => tenantPath(tenantId, `/webhooks/${encodeURIComponent(id)}${rest}`);
const codes = (list) => h('ul', { class: 'plain' }, list.map((e) => h('li', {}, h('code', {}, e))));

export async function list({ tenantId }, el) {
  const { items } = await api(all(tenantId));
  clear(el, heading('Webhooks', tenantName(tenantId)),
    h('p', {}, 'Each event you subscribe to is posted to your endpoint, signed with the webhook\'s secret (Standard Webhooks), and retried for at least 24 hours until it answers 2xx.'),
    h('p', {}, link(`#/t/${tenantId}/webhooks/new`, 'Add a webhook', { class: 'button' })),
    table('Webhooks of this tenant', ['Endpoint', 'Events', 'Added', 'Secret replaced'], items.map((w) => [
      link(`#/t/${tenantId}/webhooks/${w.webhookId}`, w.url), codes(w.events), when(w.createdAt), w.secretRotatedAt ? when(w.secretRotatedAt) : 'Never']),
    'No webhook yet: this tenant hears of events only by e-mail to its privacy contacts.'));
}

export async function add({ tenantId }, el) {
  const types = await eventTypes();
  const result = h('div', {});
  const formEl = form({
    fields: [
      { name: 'url', label: 'Endpoint URL', type: 'url', required: 'Enter the endpoint URL', hint: 'https to a public address, like https://shop.example/hooks/privacy. Where the name resolves is checked too.' },
      { name: 'events', label: 'Events to send', type: 'checkboxes', required: 'Choose at least one event', options: types.map(eventChoice) },
    ],
    submitText: 'Add webhook',
    secondary: link(`#/t/${tenantId}/webhooks`, 'Cancel'),
    submit: async (v) => {
      const created = await api(all(tenantId), { method: 'POST', body: { url: v.url, events: v.events } });
      formEl.hidden = true;
      shownOnce(result, {
        title: 'Webhook added',
        facts: h('p', {}, 'Webhook id: ', h('code', {}, created.webhookId), '.'),
        warning: 'This signing secret is shown only once. Copy it now into your endpoint\'s configuration: it cannot be shown again, only replaced.',
        label: 'Signing secret', value: created.secret, copy: 'Copy the secret',
        next: link(`#/t/${tenantId}/webhooks/${created.webhookId}`, 'Open the webhook'),
      });
    },
  });
  clear(el, heading('Add a webhook', tenantName(tenantId)), result, formEl);
}

const FAILURES = {
  connection: 'No connection', timeout: 'No answer within 10 s', tls: 'TLS handshake failed',
  refused_address: 'Refused: not a public address', webhook_deleted: 'Webhook deleted', mail_refused: 'Mail refused',
};
const answer = (d) => (d.lastStatus ? `HTTP ${d.lastStatus}` : FAILURES[d.lastError] || label(d.lastError || '')) || '—';

function deliveriesTable(items) {
  return paged(items, PAGE, (slice) => table('Deliveries, newest first', ['Event', 'Status', 'Attempts', 'Last answer', 'Last attempt', 'Next attempt'],
    slice.map((d) => [h('span', {}, h('code', {}, d.type), h('br'), h('code', { class: 'small' }, d.eventId)), tag(d.status), String(d.attempts),
      answer(d), when(d.lastAttemptAt), d.deliveredAt ? ['Delivered ', when(d.deliveredAt)] : when(d.nextAttemptAt)]),
    'No event has been sent to this webhook in the last 30 days.'), 'Delivery');
}

function rotateForm(tenantId, webhookId, result) {
  const formEl = form({
    fields: [{ name: 'overlapHours', label: 'Hours the current secret keeps signing', type: 'number', width: 'short', min: 0, max: 168, value: 24, required: 'Enter the number of hours', hint: 'Both secrets sign each delivery until then, so your endpoint can switch without missing one. From 0 to 168.' }],
    submitText: 'Replace the secret',
    submit: async (v) => {
      const rotated = await api(one(tenantId, webhookId, '/secret'), { method: 'POST', body: { overlapHours: Number(v.overlapHours) } });
      formEl.hidden = true;
      shownOnce(result, {
        title: 'New secret issued',
        facts: h('p', {}, 'The previous secret keeps signing until ', when(rotated.previousSecretExpiresAt), '.'),
        warning: 'This signing secret is shown only once. Copy it now into your endpoint\'s configuration: it cannot be shown again, only replaced.',
        label: 'Signing secret', value: rotated.secret, copy: 'Copy the secret', next: link(`#/t/${tenantId}/webhooks`, 'Back to the webhooks'),
      });
    },
  });
  return formEl;
}

function deleteButton(tenantId, webhookId) {
  const confirm = h('div', { class: 'confirm', hidden: true },
    h('p', {}, 'Delete this webhook? Its pending deliveries stop and your endpoint is sent nothing more.'),
    h('div', { class: 'button-group' },
      button('Yes, delete it', async () => {
        await api(one(tenantId, webhookId), { method: 'DELETE' });
        announce('Webhook deleted.');
        go(`#/t/${tenantId}/webhooks`);
      }, 'button--warning'),
      button('Keep it', () => { confirm.hidden = true; ask.hidden = false; ask.focus(); }, 'button--secondary')));
  const ask = button('Delete this webhook', () => { confirm.hidden = false; ask.hidden = true; confirm.querySelector('button').focus(); }, 'button--warning');
  return h('div', {}, ask, confirm);
}

export async function detail({ tenantId, ids: [webhookId], token }, el) {
  const { items } = await api(all(tenantId));
  const w = items.find((x) => x.webhookId === webhookId);
  if (!w) {
    clear(el, heading('Webhook not found', tenantName(tenantId)), banner('error', 'No such webhook', h('p', {}, 'It may have been deleted.')),
      h('p', {}, link(`#/t/${tenantId}/webhooks`, 'Back to the webhooks')));
    return;
  }
  const load = async () => (await api(`${one(tenantId, webhookId, '/deliveries')}?limit=200`)).items;
  const deliveries = h('div', {}, deliveriesTable(await load()));
  const refresh = button('Refresh the deliveries', async () => {
    const fresh = await load();
    if (!isCurrent(token)) return;
    clear(deliveries, deliveriesTable(fresh));
    announce(`${fresh.length} deliveries.`);
  }, 'button--secondary');
  const rotated = h('div', {});
  clear(el, heading('Webhook', tenantName(tenantId)), rotated,
    summary([['Endpoint', h('code', {}, w.url)], ['Webhook id', h('code', {}, w.webhookId)], ['Events', codes(w.events)], ['Added', when(w.createdAt)],
      ['Secret replaced', w.secretRotatedAt ? when(w.secretRotatedAt) : 'Never'],
      w.previousSecretExpiresAt ? ['Previous secret signs until', when(w.previousSecretExpiresAt)] : null]),
    h('h2', {}, 'Deliveries'), h('p', {}, 'The last 30 days. A failed attempt is retried with growing pauses for at least 24 hours, then the privacy contacts are told.'),
    deliveries, h('p', {}, refresh),
    h('h2', {}, 'Replace the signing secret'), rotateForm(tenantId, webhookId, rotated),
    h('h2', {}, 'Delete'), deleteButton(tenantId, webhookId),
    h('p', {}, link(`#/t/${tenantId}/webhooks`, 'Back to the webhooks')));
}
