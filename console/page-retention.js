// Legal holds (create, release) and offboarding (schedule, export, certificate).

import { api, tenantPath } from './api.js';
import { banner, button, clear, downloadJson, h, label, link, summary, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce, go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const MODES = {
  export_then_delete: 'Export, then delete: the export can be downloaded for 30 days after the end of the contract, then everything is deleted (consent proof after 3 years).',
  delete_now: 'Delete at the end of the contract: everything is deleted then, consent proof included, without an export (data under a legal hold stays).',
};

const endOfDay = (date) => (date ? `${date}T23:59:59Z` : undefined);

function holdForm(tenantId) {
  return form({
    fields: [
      { name: 'scope', label: 'What does the hold keep?', type: 'radios', value: 'subject', options: [['subject', 'One person\'s data'], ['tenant', 'All of this tenant\'s data']] },
      { name: 'email', path: '/identifiers/email', label: 'Email address (for one person)', type: 'email' },
      { name: 'phone', path: '/identifiers/phone', label: 'Phone number (for one person)', type: 'tel', width: 'medium' },
      { name: 'visitorId', path: '/identifiers/visitorId', label: 'Visitor id (for one person)', width: 'medium' },
      { name: 'reason', label: 'Reason', type: 'textarea', required: 'Enter the reason for the hold', hint: 'For example the claim or case reference.' },
      { name: 'until', label: 'Until (optional)', type: 'date', width: 'medium', hint: 'Leave empty to keep the hold until it is released.' },
    ],
    submitText: 'Create hold',
    submit: async (v) => {
      const body = { scope: v.scope, reason: v.reason };
      if (v.scope === 'subject') {
        body.identifiers = {};
        for (const key of ['email', 'phone', 'visitorId']) if (v[key]) body.identifiers[key] = v[key];
      }
      if (v.until) body.until = endOfDay(v.until);
      const created = await api(tenantPath(tenantId, '/legal-holds'), { method: 'POST', body });
      announce(`Hold created for ${created.subjectCount} people.`);
      go(`#/t/${tenantId}/holds`);
    },
  });
}

function releaseButton(tenantId, hold) {
  const confirm = h('div', { class: 'confirm', hidden: true },
    h('p', {}, 'Release this hold? Held data resumes its remaining retention and may be deleted soon.'),
    h('div', { class: 'button-group' },
      button('Yes, release it', async () => {
        await api(tenantPath(tenantId, `/legal-holds/${encodeURIComponent(hold.holdId)}`), { method: 'DELETE' });
        announce('Hold released.');
        go(`#/t/${tenantId}/holds`);
      }, 'button--warning'),
      button('Keep it', () => { confirm.hidden = true; ask.hidden = false; ask.focus(); }, 'button--secondary')));
  const ask = button('Release', () => { confirm.hidden = false; ask.hidden = true; confirm.querySelector('button').focus(); }, 'button--secondary');
  ask.setAttribute('aria-label', `Release hold ${hold.holdId}`);
  return h('div', {}, ask, confirm);
}

export async function holds({ tenantId }, el) {
  const tenant = await api(tenantPath(tenantId));
  const rows = (tenant.legalHolds || []).map((hold) => [h('code', {}, hold.holdId), label(hold.scope), String(hold.subjectIds.length),
    hold.reason, when(hold.until, true) || 'Until released', when(hold.createdAt), can(ROLE.ADMIN, tenantId) ? releaseButton(tenantId, hold) : '']);
  clear(el, heading('Legal holds', tenant.name),
    h('p', {}, 'Held data is kept past its retention period and skipped by erasure until the hold is released.'),
    table('Holds in force', ['Hold', 'Scope', 'People', 'Reason', 'Until', 'Created', 'Action'], rows, 'No hold is in force.'),
    can(ROLE.ADMIN, tenantId) ? [h('h2', {}, 'Create a hold'), holdForm(tenantId)] : null);
}

function plan(tenantId, o) {
  const download = `/api${tenantPath(tenantId, '/offboarding/export')}`;
  return [
    summary([['Phase', tag(o.phase)], ['What happens', MODES[o.mode || 'export_then_delete']], ['Contract end', when(o.contractEnd)],
      o.mode === 'delete_now' ? null : ['Export available until', when(o.exportAvailableUntil)],
      ['Consent proof deleted', when(o.consentPurgeAt, true)]]),
    o.phase === 'export_available' && can(ROLE.ADMIN, tenantId)
      ? h('p', {}, h('a', { class: 'button', href: download, download: `${tenantId}-export.zip` }, 'Download the export (zip)')) : null,
    o.certificate ? [h('h2', {}, 'Deletion certificate'), summary(Object.entries(o.certificate).map(([k, v]) => [label(k), typeof v === 'object' ? JSON.stringify(v) : String(v)])),
      button('Download the certificate', () => downloadJson(`${tenantId}-deletion-certificate.json`, o.certificate), 'button--secondary')] : null,
  ];
}

export async function offboarding({ tenantId }, el) {
  let current = null;
  try {
    current = await api(tenantPath(tenantId, '/offboarding'));
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  const schedule = can(ROLE.ADMIN, tenantId) && !current ? [h('h2', {}, 'Schedule offboarding'),
    h('p', {}, 'From the contract end the widget stops collecting; then, as the customer chose, the export is available for 30 days before everything is deleted, or everything is deleted at once. A certificate is issued either way.'),
    form({
      fields: [{ name: 'contractEnd', label: 'Contract end', type: 'date', width: 'medium', required: 'Enter the contract end date' },
        { name: 'mode', label: 'What happens to the data', type: 'radios', value: 'export_then_delete', options: [['export_then_delete', 'Export, then delete (the customer gets its data back)'], ['delete_now', 'Delete at the end of the contract, without an export']],
          hint: 'The customer chooses: its data back, or deleted. Deletion cannot be undone.' }],
      submitText: 'Schedule offboarding',
      submit: async (v) => {
        await api(tenantPath(tenantId, '/offboarding'), { method: 'POST', body: { contractEnd: `${v.contractEnd}T00:00:00Z`, mode: v.mode } });
        announce('Offboarding scheduled.');
        go(`#/t/${tenantId}/offboarding`);
      },
    })] : null;
  clear(el, heading('Offboarding', tenantName(tenantId)),
    current ? plan(tenantId, current) : banner('info', 'Not offboarding', h('p', {}, 'This tenant has no contract end scheduled.')),
    schedule, h('p', {}, link(`#/t/${tenantId}`, 'Back to the tenant')));
}
