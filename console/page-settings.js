// A tenant's settings, in three forms that each save only what they hold: the widget, requests
// and retention (privacy and platform admins); the privacy contacts mailed on events; and the
// contract terms, which only the platform changes (others see them read-only).

import { api, eventTypes, tenantPath } from './api.js';
import { clear, days, h, label, link, summary } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce, go, heading } from './shell.js';
import { limits } from './page-tenants.js';
import { eventChoice } from './page-webhooks.js';

const lines = (text) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
const number = (value) => (value === '' ? undefined : Number(value));

function retentionFields(tenant, byCategory) {
  return [...byCategory.values()].map((c) => ({
    name: `retention.${c.category}`, path: `/retention/${c.category}`, label: `${label(c.category)} (days)`, type: 'number', width: 'short',
    inputmode: 'numeric', min: c.minimumDays, max: c.ceilingDays, value: tenant.retention?.[c.category] ?? '',
    hint: `Leave empty for the default (${days(c.defaultDays, c.category)}). From ${c.minimumDays} to ${c.ceilingDays} days.`,
  }));
}

function mainFields(tenant, byCategory) {
  const sees = ['name', 'message'].filter((k) => tenant.supportSees?.[k]);
  return [
    { name: 'allowedOrigins', path: '/allowedOrigins', label: 'Allowed origins', type: 'textarea', hint: 'One per line, like https://shop.example.', value: tenant.allowedOrigins.join('\n'), format: 'Enter each origin as a web address like https://shop.example, one per line' },
    { name: 'ipPolicy', label: 'Visitor IP addresses', type: 'radios', value: tenant.ipPolicy, options: [['truncate', 'Truncate'], ['hash', 'Hash'], ['keep', 'Keep in full']] },
    { name: 'recordingEnabled', label: 'Call recording', type: 'checkboxes', value: tenant.recordingEnabled ? ['on'] : [], options: [['on', 'Record calls (encrypted, deletable)']] },
    { name: 'perSecond', path: '/rateLimit/perSecond', label: 'Widget calls per second (optional)', type: 'number', width: 'short', value: tenant.rateLimit?.perSecond ?? '' },
    { name: 'burst', path: '/rateLimit/burst', label: 'Burst size (optional)', type: 'number', width: 'short', value: tenant.rateLimit?.burst ?? '' },
    { name: 'supportSees', label: 'What support agents see in full', type: 'checkboxes', value: sees, hint: 'Email addresses and phone numbers are always masked for support agents.', options: [['name', 'Contact names'], ['message', 'Contact messages']] },
    { name: 'erasureWaitingDays', label: 'Erasure waiting period (days)', type: 'number', width: 'short', inputmode: 'numeric', min: 0, max: 14, value: tenant.erasureWaitingDays, hint: 'An approved erasure waits this long before it runs and can be cancelled meanwhile. From 0 to 14; a child\'s erasure never waits.' },
    { name: 'dsrRecordDays', label: 'Days a finished request keeps its identifiers', type: 'number', width: 'short', inputmode: 'numeric', min: 1, value: tenant.dsrRecordDays, hint: 'Then the requester\'s identifiers, details and notes are deleted; the certificate stays.' },
    ...retentionFields(tenant, byCategory),
  ];
}

// Only what changed, so a save never re-sends (or re-checks) a setting nobody touched.
function mainBody(tenant, v, byCategory) {
  const body = { allowedOrigins: lines(v.allowedOrigins), ipPolicy: v.ipPolicy, recordingEnabled: v.recordingEnabled.includes('on') };
  if (v.perSecond && v.burst) body.rateLimit = { perSecond: Number(v.perSecond), burst: Number(v.burst) };
  const retention = {};
  for (const c of byCategory.keys()) if (v[`retention.${c}`]) retention[c] = Number(v[`retention.${c}`]);
  if (JSON.stringify(retention) !== JSON.stringify(tenant.retention || {})) body.retention = retention;
  const sees = { name: v.supportSees.includes('name'), message: v.supportSees.includes('message') };
  if (sees.name !== Boolean(tenant.supportSees?.name) || sees.message !== Boolean(tenant.supportSees?.message)) body.supportSees = sees;
  for (const key of ['erasureWaitingDays', 'dsrRecordDays']) {
    if (number(v[key]) !== undefined && number(v[key]) !== tenant[key]) body[key] = number(v[key]);
  }
  return body;
}

// The privacy contacts as rows of fields (an address and its events); one empty row to add a
// person, and "Add another" redraws the form with the values typed so far and a new row.
function contactsForm(tenantId, rows, types) {
  const holder = h('div', {});
  const draw = (current) => {
    const fields = current.flatMap((row, i) => [
      { name: `contact-${i}-email`, path: `/privacyContacts/${i}/email`, label: `Contact ${i + 1}: email address`, type: 'email', value: row.email, format: 'Enter an email address like dpo@shop.example' },
      { name: `contact-${i}-events`, path: `/privacyContacts/${i}/events`, label: `Contact ${i + 1}: events mailed`, type: 'checkboxes', value: row.events, options: types.map(eventChoice) },
    ]);
    const read = (v) => current.map((_, i) => ({ email: v[`contact-${i}-email`], events: v[`contact-${i}-events`] }));
    const more = h('button', { class: 'button button--secondary', type: 'button' }, 'Add another contact');
    const formEl = form({
      fields,
      submitText: 'Save privacy contacts',
      secondary: more,
      submit: async (v) => {
        const privacyContacts = read(v).filter((c) => c.email);
        await api(tenantPath(tenantId), { method: 'PATCH', body: { privacyContacts } });
        announce('Privacy contacts saved.');
        go(`#/t/${tenantId}`);
      },
    });
    more.addEventListener('click', () => {
      const data = new FormData(formEl);
      const typed = current.map((_, i) => ({ email: String(data.get(`contact-${i}-email`) || ''), events: data.getAll(`contact-${i}-events`).map(String) }));
      draw([...typed, { email: '', events: [] }]);
      holder.querySelectorAll('input[type=email]')[typed.length]?.focus();
    });
    clear(holder, formEl);
  };
  draw([...rows, { email: '', events: [] }]);
  return holder;
}

function termsSection(tenantId, tenant) {
  const intro = h('p', {}, 'The terms of the data processing agreement this tenant signed: they set how long it may object to a new subprocessor.');
  if (!can(ROLE.PLATFORM, tenantId)) {
    return [intro, summary([['DPA version', tenant.dpaVersion || 'Not recorded'], ['Window to object', days(tenant.objectionWindowDays)]]),
      h('p', { class: 'hint' }, 'Only the platform team changes the contract terms.')];
  }
  return [intro, form({
    fields: [
      { name: 'dpaVersion', label: 'DPA version (optional)', width: 'medium', value: tenant.dpaVersion || '', hint: 'As named in the signed agreement, like 2026-01.' },
      { name: 'objectionWindowDays', label: 'Days to object to a subprocessor change', type: 'number', width: 'short', min: 1, max: 90, value: tenant.objectionWindowDays, required: 'Enter the number of days' },
    ],
    submitText: 'Save contract terms',
    submit: async (v) => {
      await api(tenantPath(tenantId), { method: 'PATCH', body: { dpaVersion: v.dpaVersion || null, objectionWindowDays: Number(v.objectionWindowDays) } });
      announce('Contract terms saved.');
      go(`#/t/${tenantId}`);
    },
  })];
}

export async function settings({ tenantId }, el) {
  const [tenant, byCategory, types] = await Promise.all([api(tenantPath(tenantId)), limits(), eventTypes()]);
  clear(el, heading('Change settings', tenant.name),
    h('p', {}, 'A shorter retention period re-stamps existing data with the time it has left; the job\'s progress shows on the tenant\'s overview.'),
    form({
      fields: mainFields(tenant, byCategory),
      submitText: 'Save settings',
      secondary: link(`#/t/${tenantId}`, 'Cancel'),
      submit: async (v) => {
        await api(tenantPath(tenantId), { method: 'PATCH', body: mainBody(tenant, v, byCategory) });
        announce('Settings saved.');
        go(`#/t/${tenantId}`);
      },
    }),
    h('h2', {}, 'Privacy contacts'),
    h('p', {}, 'People on the controller\'s side who are e-mailed the events chosen for them (a breach notice, a request received, a failed webhook). Empty an address to remove that person.'),
    contactsForm(tenantId, tenant.privacyContacts || [], types),
    h('h2', {}, 'Contract terms'), termsSection(tenantId, tenant));
}
