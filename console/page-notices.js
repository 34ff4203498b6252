// What the platform told this tenant (Privacy.Admin): its breach notices, each as the document
// the tenant receives with the "acknowledge" action, and the authority requests it may be told
// of. The API has no list of a tenant's breach notices; the tenant's own audit trail names each
// one (incident.notice.created, .sent, .acknowledged), so the list is read from there and no
// notice is opened (an audited read) until someone asks for it.

import { api, tenantPath } from './api.js';
import { banner, button, clear, downloadJson, h, label, link, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { announce, go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const STEPS = { 'incident.notice.created': 'pending', 'incident.notice.sent': 'sent', 'incident.notice.acknowledged': 'acknowledged' };

async function breachNotices(tenantId) {
  const pages = await Promise.all(Object.keys(STEPS).map((action) => api(`${tenantPath(tenantId, '/audit')}?${new URLSearchParams({ action, limit: 200 })}`)));
  const byIncident = new Map();
  for (const entry of pages.flatMap((p) => p.items).sort((a, b) => a.seq - b.seq)) {
    const known = byIncident.get(entry.target) || { incidentId: entry.target, createdAt: entry.at, details: entry.details || {} };
    byIncident.set(entry.target, { ...known, status: STEPS[entry.action], at: entry.at });
  }
  return [...byIncident.values()].reverse();
}

function openForm(tenantId) {
  return form({
    fields: [{ name: 'incidentId', label: 'Incident id', width: 'medium', required: 'Enter the incident id', hint: 'As named in the notice\'s e-mail or webhook, like inc-3f2a….' }],
    submitText: 'Open the notice',
    submit: async (v) => go(`#/t/${tenantId}/notices/${encodeURIComponent(v.incidentId)}`),
  });
}

const answerOf = (n) => (n.response ? `${label(n.response.outcome)}: ${n.response.note}` : 'Not answered yet');

export async function notices({ tenantId }, el) {
  const [breaches, authority] = await Promise.all([breachNotices(tenantId), api(tenantPath(tenantId, '/authority-notices'))]);
  clear(el, heading('Notices', tenantName(tenantId)),
    h('h2', {}, 'Personal data breaches'),
    h('p', {}, 'The platform notifies you of a breach affecting your data within 48 hours of detecting it. Open a notice to read it and acknowledge it.'),
    table('Breach notices, newest first', ['Incident', 'Notified', 'People', 'Records', 'Status', 'Since'],
      breaches.map((n) => [link(`#/t/${tenantId}/notices/${n.incidentId}`, n.incidentId), when(n.createdAt), String(n.details.subjects ?? '—'),
        String(n.details.records ?? '—'), tag(n.status), when(n.at)]), 'No breach notice: no incident has affected this tenant.'),
    h('h3', {}, 'Open a notice by its id'), openForm(tenantId),
    h('h2', {}, 'Requests from authorities'),
    h('p', {}, 'Requests of courts, regulators or law enforcement for your data, shown as soon as the law allows (a gag order may delay it).'),
    table('Authority requests concerning this tenant', ['Authority', 'Legal basis', 'Received', 'Data', 'Status', 'Answer', 'Told'],
      authority.items.map((n) => [n.authority, n.legalBasis, when(n.receivedAt, true), n.categories.map(label).join(', '), tag(n.status), answerOf(n),
        h('span', {}, when(n.releasedAt), n.gagged ? ' (after a gag order)' : '')]), 'No authority request concerns this tenant.'));
}

// "P1DT2H30M" in words ("1 day 2 hours 30 minutes").
function lasting(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso || '');
  if (!m) return iso;
  const parts = [[m[1], 'day'], [m[2], 'hour'], [m[3], 'minute']].filter(([n]) => Number(n))
    .map(([n, unit]) => `${Number(n)} ${unit}${Number(n) === 1 ? '' : 's'}`);
  return parts.join(' ') || 'Under a minute';
}

const list = (items) => (items?.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', {}, i))) : 'None');
const perCategory = (n) => table('Approximate numbers per data category', ['Category', 'People', 'Records'],
  Object.keys(n.approximateRecords).map((c) => [label(c), String(n.approximateSubjects[c] ?? 0), String(n.approximateRecords[c])]));

function documentOf(n) {
  return [
    summary([['Detected', when(n.date)], ['Started', when(n.startedAt)], ['Ended', n.ongoing ? 'Ongoing' : when(n.endedAt)],
      ['Duration', lasting(n.duration)], ['Where', n.location], ['What happened', n.nature],
      ['Scale', `About ${n.scale.subjects} people and ${n.scale.records} records`], ['Data categories', n.categories.map(label).join(', ')],
      ['Categories of people', n.subjectCategories.join(', ') || 'Not stated'], ['Systems', n.systems.join(', ')],
      ['Likely consequences', n.consequences || 'Not known yet'], ['Root cause', n.rootCause || 'Not known yet'],
      ['Measures taken', list(n.measures.taken)], ['Measures proposed', list(n.measures.proposed)], ['Contact point', n.contact]]),
    perCategory(n),
    n.remediation.length ? table('Remediation', ['Action', 'Status'], n.remediation.map((r) => [r.action, label(r.status)])) : null,
    h('p', { class: 'hint' }, n.note),
  ];
}

// The API refuses an acknowledgement with 409 while the notice is pending (not sent yet) or
// once it is acknowledged; say which, in words.
function refusal(error, n) {
  if (error.status !== 409) return error.words;
  if (n.status === 'acknowledged') return 'This notice is acknowledged already.';
  return `You cannot acknowledge this notice yet: it is still pending, not sent to you. Acknowledge it once it has been sent (by webhook, e-mail or the platform team). ${error.words}`;
}

function acknowledge(tenantId, n, done) {
  const result = h('div', {});
  const act = button('Acknowledge receipt', async () => {
    act.disabled = true;
    try {
      await api(tenantPath(tenantId, `/incident-notices/${encodeURIComponent(n.incidentId)}/acknowledgement`), { method: 'POST' });
      announce('Notice acknowledged.');
      await done('Notice acknowledged. The platform team sees it.');
    } catch (error) {
      if (!error.words) throw error;
      clear(result, banner('error', 'The notice was not acknowledged', h('p', {}, refusal(error, n))));
      result.querySelector('h2').setAttribute('tabindex', '-1');
      result.querySelector('h2').focus();
    } finally {
      act.disabled = false;
    }
  });
  return [h('p', {}, 'Acknowledging tells the platform team you received this notice (its status becomes acknowledged).'), h('p', {}, act), result];
}

export async function breach({ tenantId, ids: [incidentId] }, el) {
  const path = tenantPath(tenantId, `/incident-notices/${encodeURIComponent(incidentId)}`);
  const render = (n, done) => {
    clear(el, heading('Breach notice', tenantName(tenantId)), done ? banner('success', done) : null,
      summary([['Incident', h('code', {}, n.incidentId)], ['Status', tag(n.status)], ['Due by', when(n.notifyBy)], ['Sent', when(n.sentAt)],
        ['Acknowledged', when(n.acknowledgedAt)], ['Revision', String(n.revision)]]),
      n.status !== 'acknowledged' ? acknowledge(tenantId, n, async (words) => render(await api(path), words)) : null,
      h('h2', {}, 'The notice'), documentOf(n),
      h('div', { class: 'button-group' }, h('a', { class: 'button button--secondary', href: `/api${path}?format=markdown`, download: `breach-notice-${n.incidentId}.md` }, 'Download as a document (Markdown)'),
        button('Download as JSON', () => downloadJson(`breach-notice-${n.incidentId}.json`, n), 'button--secondary')),
      h('p', {}, link(`#/t/${tenantId}/notices`, 'Back to the notices')));
  };
  render(await api(path));
}
