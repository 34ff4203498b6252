// Incidents (platform admins): the register, reporting a breach with its 48-hour clock, and
// each affected tenant's notice with its counts and status.

import { api } from './api.js';
import { banner, button, clear, countdown, h, label, link, pager, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce, go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const CATEGORIES = ['behaviour', 'technical', 'contact', 'conversation', 'consent'];
const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
const utc = (local) => (local ? new Date(`${local}Z`).toISOString() : undefined);

function platformOnly(el, title) {
  if (can(ROLE.PLATFORM)) return false;
  clear(el, heading(title), banner('error', 'You cannot open this page', h('p', {}, 'Incidents are handled by platform admins (Platform.Admin for every tenant).')));
  return true;
}

export async function list(params, el) {
  if (platformOnly(el, 'Incidents')) return;
  const tokens = [null];
  const body = h('div', {});
  const draw = async (index) => {
    const query = new URLSearchParams({ limit: 20, ...(tokens[index] ? { continuation: tokens[index] } : {}) });
    const page = await api(`/v1/incidents?${query}`);
    if (page.continuation) tokens[index + 1] = page.continuation;
    const pages = page.continuation ? index + 2 : index + 1;
    clear(body, table('Incidents, newest first', ['Incident', 'Detected', 'Notices due', 'Categories', 'Tenants'],
      page.items.map((i) => [link(`#/incidents/${i.incidentId}`, i.incidentId), when(i.detectedAt), h('span', {}, countdown(i.notifyBy)),
        i.categories.map(label).join(', '), String(i.tenantCount)]), 'No incident has been reported.'),
    pages > 1 ? pager(index, pages, (to) => draw(to), 'Incident') : null);
  };
  await draw(0);
  clear(el, heading('Incidents'), h('p', {}, link('#/incidents/new', 'Report a breach', { class: 'button' })), body);
}

export async function report(params, el) {
  if (platformOnly(el, 'Report a breach')) return;
  const fields = [
    { name: 'detectedAt', label: 'Detected at (UTC)', type: 'datetime-local', width: 'medium', required: 'Enter when the breach was detected', hint: 'Notices are due 48 hours after this.' },
    { name: 'startedAt', label: 'Started at (UTC)', type: 'datetime-local', width: 'medium', required: 'Enter when the breach started' },
    { name: 'endedAt', label: 'Ended at (UTC, optional)', type: 'datetime-local', width: 'medium' },
    { name: 'nature', label: 'What happened', type: 'textarea', required: 'Describe what happened', hint: 'The vendor\'s own account; no personal data.' },
    { name: 'systems', label: 'Systems involved', type: 'textarea', required: 'Name at least one system', hint: 'One per line.' },
    { name: 'categories', label: 'Data categories involved', type: 'checkboxes', required: 'Choose at least one category', options: CATEGORIES.map((c) => [c, label(c)]) },
    { name: 'tenantIds', label: 'Affected tenants (optional)', type: 'textarea', hint: 'Tenant ids, one per line. Leave empty for every tenant of this region.', format: 'Enter tenant ids like t-1234, one per line' },
    { name: 'taken', path: '/measures/taken', label: 'Measures taken', type: 'textarea', hint: 'One per line.' },
    { name: 'proposed', path: '/measures/proposed', label: 'Measures proposed', type: 'textarea', hint: 'One per line.' },
    { name: 'contact', label: 'Contact point', required: 'Enter a contact point', hint: 'Who can tell the tenants more, like the DPO desk.' },
  ];
  clear(el, heading('Report a breach'), form({
    fields,
    submitText: 'Report the breach',
    secondary: link('#/incidents', 'Cancel'),
    submit: async (v) => {
      const body = { detectedAt: utc(v.detectedAt), startedAt: utc(v.startedAt), nature: v.nature, systems: lines(v.systems), categories: v.categories,
        measures: { taken: lines(v.taken), proposed: lines(v.proposed) }, contact: v.contact };
      if (v.endedAt) body.endedAt = utc(v.endedAt);
      if (lines(v.tenantIds).length) body.tenantIds = lines(v.tenantIds);
      const created = await api('/v1/incidents', { method: 'POST', body });
      announce('Breach reported.');
      go(`#/incidents/${created.incidentId}`);
    },
  }));
}

function noticeActions(incidentId, t) {
  const move = (status) => button(status === 'sent' ? 'Mark as sent' : 'Mark as acknowledged', async () => {
    await api(`/v1/incidents/${encodeURIComponent(incidentId)}/notices/${encodeURIComponent(t.tenantId)}`, { method: 'POST', body: { status } });
    announce(`Notice marked ${status}.`);
    go(`#/incidents/${incidentId}`);
  }, 'button--secondary button--small');
  if (t.notice.status === 'pending') return move('sent');
  if (t.notice.status === 'sent') return move('acknowledged');
  return '';
}

export async function detail({ ids: [incidentId] }, el) {
  if (platformOnly(el, 'Incident')) return;
  const i = await api(`/v1/incidents/${encodeURIComponent(incidentId)}`);
  clear(el, heading('Incident', i.incidentId),
    i.overdue ? banner('error', 'Notices are overdue', h('p', {}, `${i.noticesPending} notice(s) still pending after the 48-hour deadline.`)) : null,
    summary([['Detected', when(i.detectedAt)], ['Notices due', h('span', {}, countdown(i.notifyBy), ' (', when(i.notifyBy), ')')],
      ['Started', when(i.startedAt)], ['Ended', i.endedAt ? when(i.endedAt) : 'Ongoing'], ['What happened', i.nature],
      ['Systems', i.systems.join(', ')], ['Categories', i.categories.map(label).join(', ')],
      ['Approximate scale', `${i.approximateSubjects} people, ${i.approximateRecords} records`],
      ['Measures taken', i.measures.taken.join('; ')], ['Measures proposed', i.measures.proposed.join('; ')], ['Contact point', i.contact]]),
    h('h2', {}, 'Notices to tenants'),
    table('Affected tenants and their notices', ['Tenant', 'People', 'Records', 'Notice', 'Sent', 'Acknowledged', 'Action'],
      i.affectedTenants.map((t) => [tenantName(t.tenantId), String(t.exposure.subjects), String(t.exposure.records),
        h('span', {}, tag(t.notice.status), t.notice.escalated ? [' ', tag('escalated')] : null), when(t.notice.sentAt), when(t.notice.acknowledgedAt), noticeActions(i.incidentId, t)]),
      'No tenant is affected.'),
    h('p', {}, link('#/incidents', 'Back to the incidents')));
}
