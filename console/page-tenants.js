// Tenants: the list (paged), creating one (its widget key shown once), and a tenant's settings
// with retention in effect per category, the operator's ceiling and the re-stamp job.

import { api, tenantPath } from './api.js';
import { banner, button, clear, days, h, label, link, pager, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { shownOnce } from './once.js';
import { ROLE, can, loadTenants, session } from './session.js';
import { announce, go, heading, isCurrent } from './shell.js';

const PAGE = 20;

export async function list(params, el) {
  const tokens = [null];
  const body = h('div', {});
  const draw = async (index) => {
    const query = new URLSearchParams({ limit: PAGE, ...(tokens[index] ? { continuation: tokens[index] } : {}) });
    const page = await api(`/v1/tenants?${query}`);
    if (page.continuation) tokens[index + 1] = page.continuation;
    const rows = page.items.map((t) => [link(`#/t/${t.tenantId}`, t.name), h('code', {}, t.tenantId), t.region, tag(t.status), when(t.createdAt, true)]);
    const pages = page.continuation ? index + 2 : index + 1;
    clear(body, table('Tenants you can open', ['Name', 'Tenant id', 'Region', 'Status', 'Created'], rows,
      'You have no roles in any tenant yet. Ask a platform admin for a grant.'),
    pages > 1 ? pager(index, pages, (to) => draw(to).then(() => body.querySelector('caption')?.focus()), 'Tenant') : null);
  };
  await draw(0);
  clear(el, heading('Tenants'),
    can(ROLE.PLATFORM) ? h('p', {}, link('#/tenants/new', 'Create a tenant', { class: 'button' })) : null,
    body);
}

const lines = (text) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

export async function create(params, el) {
  if (!can(ROLE.PLATFORM)) {
    clear(el, heading('Create a tenant'), banner('error', 'You cannot create tenants', h('p', {}, 'Creating tenants needs the Platform.Admin role for every tenant.')));
    return;
  }
  const result = h('div', {});
  const fields = [
    { name: 'name', label: 'Name', hint: 'The customer as your team knows it.', required: 'Enter a name' },
    { name: 'region', label: 'Region', hint: 'Where its data is kept. It cannot change later.', value: 'eu', width: 'short' },
    { name: 'allowedOrigins', label: 'Allowed origins', type: 'textarea', hint: 'The sites that embed the widget, one per line, like https://shop.example.', path: '/allowedOrigins', format: 'Enter each origin as a web address like https://shop.example, one per line' },
    { name: 'defaultCountry', label: 'Default country (optional)', hint: 'Two letters, like FR: used to read phone numbers written without a country code.', width: 'short', format: 'Enter the country as two letters, like FR' },
    { name: 'ipPolicy', label: 'Visitor IP addresses', type: 'radios', value: 'truncate', options: [['truncate', 'Truncate (recommended)'], ['hash', 'Hash'], ['keep', 'Keep in full']] },
  ];
  const formEl = form({
    fields,
    submitText: 'Create tenant',
    submit: async (v) => {
      const body = { name: v.name, region: v.region || 'eu', allowedOrigins: lines(v.allowedOrigins), ipPolicy: v.ipPolicy };
      if (v.defaultCountry) body.defaultCountry = v.defaultCountry.toUpperCase();
      const created = await api('/v1/tenants', { method: 'POST', body });
      await loadTenants();
      formEl.hidden = true;
      showKey(result, created);
    },
  });
  clear(el, heading('Create a tenant'), result, formEl);
}

function showKey(holder, created) {
  shownOnce(holder, {
    title: 'Tenant created',
    facts: h('p', {}, 'Tenant id: ', h('code', {}, created.tenantId), ` (region ${created.region}).`),
    warning: 'This widget key is shown only once. Copy it now into the widget\'s configuration: it cannot be shown again, only replaced.',
    label: 'Widget key', value: created.widgetKey, copy: 'Copy the key', next: link(`#/t/${created.tenantId}`, 'Open the tenant'),
  });
}

export async function limits() {
  const body = await api('/v1/retention-limits');
  return new Map(body.categories.map((c) => [c.category, c]));
}

function retentionTable(tenant, byCategory) {
  const rows = [...byCategory.values()].map((c) => [label(c.category), days(tenant.effectiveRetention?.[c.category], c.category),
    days(c.defaultDays, c.category), days(c.ceilingDays), tenant.retention?.[c.category] ? 'This tenant' : 'Default']);
  return table('Retention per data category', ['Category', 'In effect', 'Default', 'Ceiling', 'Set by'], rows);
}

function jobSummary(job) {
  if (!job) return h('p', {}, 'No re-stamping job: every item carries the period in effect.');
  return summary([
    ['Status', tag(job.status)], ['Why', (job.reasons || []).map((r) => r.replace(/[._]/g, ' ')).join(', ')],
    ['Documents examined', String(job.processed)], ['Records re-stamped', String(job.restamped)],
    ['Records deleted', String(job.deleted)], ['Requested', when(job.requestedAt)],
    ['Last progress', when(job.updatedAt)], ['Completed', when(job.completedAt)],
  ]);
}

const seenBySupport = (sees) => ['name', 'message'].filter((k) => sees?.[k]).map((k) => `contact ${k}s`);

function workflowSummary(tenant) {
  const contacts = tenant.privacyContacts || [];
  return summary([
    ['Erasure waiting period', tenant.erasureWaitingDays ? `${days(tenant.erasureWaitingDays)} (cancellable meanwhile)` : 'None: an approved erasure runs at once'],
    ['Request records kept', `${days(tenant.dsrRecordDays)} after a request ends, then its identifiers and notes are deleted`],
    ['Privacy contacts', contacts.length ? h('ul', { class: 'plain' }, contacts.map((c) => h('li', {}, c.email, h('span', { class: 'small' }, ` (${c.events.length} event${c.events.length === 1 ? '' : 's'})`)))) : 'None'],
    ['Support agents see in full', seenBySupport(tenant.supportSees).join(' and ') || 'Nothing: every contact detail is masked'],
    ['Contract (DPA version)', tenant.dpaVersion || 'Not recorded'],
    ['Window to object to a subprocessor', days(tenant.objectionWindowDays)],
  ]);
}

export async function overview({ tenantId, token }, el) {
  const [tenant, byCategory] = await Promise.all([api(tenantPath(tenantId)), limits()]);
  const editable = can([ROLE.PLATFORM, ROLE.ADMIN], tenantId);
  const job = h('div', {}, jobSummary(tenant.retentionJob));
  const refresh = button('Refresh progress', async () => {
    const fresh = await api(tenantPath(tenantId));
    if (!isCurrent(token)) return;
    clear(job, jobSummary(fresh.retentionJob));
    announce(`Re-stamping job ${fresh.retentionJob ? fresh.retentionJob.status : 'not running'}.`);
  }, 'button--secondary');
  clear(el, heading(tenant.name, 'Tenant'),
    summary([['Tenant id', h('code', {}, tenant.tenantId)], ['Region', tenant.region], ['Status', tag(tenant.status)],
      ['Created', when(tenant.createdAt)], ['Contract end', when(tenant.contractEnd)]]),
    editable ? h('p', {}, link(`#/t/${tenantId}/settings`, 'Change settings', { class: 'button button--secondary' })) : null,
    h('h2', {}, 'Widget'),
    summary([['Allowed origins', tenant.allowedOrigins.length ? h('ul', { class: 'plain' }, tenant.allowedOrigins.map((o) => h('li', {}, o))) : 'None'],
      ['Visitor IP addresses', label(tenant.ipPolicy)], ['Call recording', tenant.recordingEnabled ? 'On' : 'Off'],
      ['Rate limit', tenant.rateLimit ? `${tenant.rateLimit.perSecond} per second, bursts of ${tenant.rateLimit.burst}` : 'The platform default'],
      ['Default country', tenant.defaultCountry], ['Query parameters kept', (tenant.queryAllowlist || []).join(', ') || 'None']]),
    h('h2', {}, 'Requests, notices and contract'), workflowSummary(tenant),
    h('h2', {}, 'Retention'), retentionTable(tenant, byCategory),
    h('h3', {}, 'Re-stamping job'), job, h('p', {}, refresh));
}

export const tenantName = (tenantId) => session.tenants.get(tenantId)?.name || tenantId;
