// Tenants: the list (paged), creating one (its widget key shown once), and a tenant's settings
// with retention in effect per category, the operator's ceiling and the re-stamp job.

import { api, tenantPath } from './api.js';
import { banner, button, clear, days, h, label, link, pager, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
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
  const keyId = 'widget-key';
  const copied = h('span', { class: 'hint', role: 'status' });
  const copy = button('Copy the key', async () => {
    const input = document.getElementById(keyId);
    input.select();
    try { await navigator.clipboard.writeText(input.value); copied.textContent = 'Copied.'; } catch { copied.textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected key.'; }
  }, 'button--secondary');
  clear(holder, banner('success', 'Tenant created',
    h('p', {}, 'Tenant id: ', h('code', {}, created.tenantId), ` (region ${created.region}).`)),
  h('div', { class: 'warning' }, h('strong', { class: 'warning__text' }, 'This widget key is shown only once. Copy it now into the widget\'s configuration: it cannot be shown again, only replaced.')),
  h('div', { class: 'form-group' }, h('label', { class: 'label', for: keyId }, 'Widget key'),
    h('input', { class: 'input input--key', id: keyId, readonly: true, value: created.widgetKey, spellcheck: 'false' })),
  h('div', { class: 'button-group' }, copy, link(`#/t/${created.tenantId}`, 'Open the tenant'), copied));
  holder.querySelector('h2').setAttribute('tabindex', '-1');
  holder.querySelector('h2').focus();
}

async function limits() {
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
    h('h2', {}, 'Retention'), retentionTable(tenant, byCategory),
    h('h3', {}, 'Re-stamping job'), job, h('p', {}, refresh));
}

function retentionFields(tenant, byCategory) {
  return [...byCategory.values()].map((c) => ({
    name: `retention.${c.category}`, path: `/retention/${c.category}`, label: `${label(c.category)} (days)`, type: 'number', width: 'short',
    inputmode: 'numeric', min: c.minimumDays, max: c.ceilingDays, value: tenant.retention?.[c.category] ?? '',
    hint: `Leave empty for the default (${days(c.defaultDays, c.category)}). From ${c.minimumDays} to ${c.ceilingDays} days.`,
  }));
}

function settingsBody(tenant, v, byCategory) {
  const body = { allowedOrigins: lines(v.allowedOrigins), ipPolicy: v.ipPolicy, recordingEnabled: v.recordingEnabled.includes('on') };
  if (v.perSecond && v.burst) body.rateLimit = { perSecond: Number(v.perSecond), burst: Number(v.burst) };
  const retention = {};
  for (const c of byCategory.keys()) if (v[`retention.${c}`]) retention[c] = Number(v[`retention.${c}`]);
  if (JSON.stringify(retention) !== JSON.stringify(tenant.retention || {})) body.retention = retention;
  return body;
}

export async function settings({ tenantId }, el) {
  const [tenant, byCategory] = await Promise.all([api(tenantPath(tenantId)), limits()]);
  const fields = [
    { name: 'allowedOrigins', path: '/allowedOrigins', label: 'Allowed origins', type: 'textarea', hint: 'One per line, like https://shop.example.', value: tenant.allowedOrigins.join('\n'), format: 'Enter each origin as a web address like https://shop.example, one per line' },
    { name: 'ipPolicy', label: 'Visitor IP addresses', type: 'radios', value: tenant.ipPolicy, options: [['truncate', 'Truncate'], ['hash', 'Hash'], ['keep', 'Keep in full']] },
    { name: 'recordingEnabled', label: 'Call recording', type: 'checkboxes', value: tenant.recordingEnabled ? ['on'] : [], options: [['on', 'Record calls (encrypted, deletable)']] },
    { name: 'perSecond', path: '/rateLimit/perSecond', label: 'Widget calls per second (optional)', type: 'number', width: 'short', value: tenant.rateLimit?.perSecond ?? '' },
    { name: 'burst', path: '/rateLimit/burst', label: 'Burst size (optional)', type: 'number', width: 'short', value: tenant.rateLimit?.burst ?? '' },
    ...retentionFields(tenant, byCategory),
  ];
  clear(el, heading('Change settings', tenant.name),
    h('p', {}, 'A shorter retention period re-stamps existing data with the time it has left; the job\'s progress shows on the tenant\'s overview.'),
    form({
      fields,
      submitText: 'Save settings',
      secondary: link(`#/t/${tenantId}`, 'Cancel'),
      submit: async (v) => {
        await api(tenantPath(tenantId), { method: 'PATCH', body: settingsBody(tenant, v, byCategory) });
        announce('Settings saved.');
        go(`#/t/${tenantId}`);
      },
    }));
}

export const tenantName = (tenantId) => session.tenants.get(tenantId)?.name || tenantId;
