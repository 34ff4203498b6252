// Subprocessors: the register and its changes for platform admins; for a tenant's privacy
// admin, the changes still open to objection (from the records of processing) and the form.

import { api, tenantPath } from './api.js';
import { banner, button, clear, countdown, h, label, link, table, tag, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce, go, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const CATEGORIES = ['behaviour', 'technical', 'contact', 'conversation', 'consent', 'audit'];

function proposeForm() {
  return form({
    fields: [
      { name: 'name', path: '/subprocessor/name', label: 'Name', required: 'Enter the subprocessor\'s name' },
      { name: 'purpose', path: '/subprocessor/purpose', label: 'Purpose', required: 'Enter the purpose' },
      { name: 'location', path: '/subprocessor/location', label: 'Where it processes data', required: 'Enter the location' },
      { name: 'dataCategories', path: '/subprocessor/dataCategories', label: 'Data categories', type: 'checkboxes', required: 'Choose at least one category', options: CATEGORIES.map((c) => [c, label(c)]) },
      { name: 'transferSafeguard', path: '/subprocessor/transferSafeguard', label: 'Transfer safeguard', required: 'Enter the transfer safeguard', hint: 'For example: processing in the EU, or standard contractual clauses.' },
    ],
    submitText: 'Propose adding it',
    submit: async (v) => {
      await api('/v1/subprocessors/changes', { method: 'POST', body: { kind: 'add', subprocessor: { name: v.name, purpose: v.purpose, location: v.location, dataCategories: v.dataCategories, transferSafeguard: v.transferSafeguard } } });
      announce('Change proposed: tenants have 14 days\' notice.');
      go('#/subprocessors');
    },
  });
}

const activate = (change) => button('Activate', async () => {
  await api(`/v1/subprocessors/changes/${encodeURIComponent(change.changeId)}/activate`, { method: 'POST' });
  announce('Change activated.');
  go('#/subprocessors');
}, 'button--secondary button--small');

export async function platform(params, el) {
  if (!can(ROLE.PLATFORM)) {
    clear(el, heading('Subprocessors'), banner('error', 'You cannot open this page', h('p', {}, 'The register is kept by platform admins.')));
    return;
  }
  const [register, changes] = await Promise.all([api('/v1/subprocessors'), api('/v1/subprocessors/changes')]);
  const now = Date.now();
  clear(el, heading('Subprocessors'),
    table('The register', ['Name', 'Purpose', 'Location', 'Categories', 'Status', 'Since'],
      register.items.map((s) => [s.name, s.purpose, s.location, s.dataCategories.map(label).join(', '), tag(s.status), when(s.activeSince, true)]), 'The register is empty.'),
    h('h2', {}, 'Changes'),
    table('Proposed and past changes', ['Change', 'Kind', 'Subprocessor', 'Takes effect', 'Objections', 'Status', 'Action'],
      changes.items.map((c) => [h('code', {}, c.changeId), label(c.kind), c.subprocessor?.name || c.subprocessorId, h('span', {}, when(c.effectiveFrom, true)),
        String(c.objections.length), tag(c.status), c.status === 'proposed' && new Date(c.effectiveFrom) <= now ? activate(c) : '']), 'No change has been proposed.'),
    h('h2', {}, 'Propose a new subprocessor'), proposeForm());
}

export async function tenantChanges({ tenantId }, el) {
  const records = await api(tenantPath(tenantId, '/records-of-processing'));
  const open = records.pendingSubprocessorChanges;
  const objectable = open.filter((c) => !c.objected && new Date(c.objectBy) > Date.now());
  clear(el, heading('Subprocessor changes', tenantName(tenantId)),
    h('p', {}, `You hear of every change 14 days before it takes effect, and may object within ${records.contractTerms.objectionWindowDays} days (your contract's terms).`),
    table('Changes in their notice period', ['Change', 'Kind', 'Subprocessor', 'Takes effect', 'Object by', 'Objected'],
      open.map((c) => [h('code', {}, c.changeId), label(c.kind), c.name, when(c.effectiveFrom, true), h('span', {}, countdown(c.objectBy)), c.objected ? 'Yes' : 'No']),
      'No change is in its notice period.'),
    can(ROLE.ADMIN, tenantId) && objectable.length ? [h('h2', {}, 'Object to a change'), form({
      fields: [
        { name: 'changeId', label: 'Change', type: 'select', options: objectable.map((c) => [c.changeId, `${c.name} (${label(c.kind)})`]) },
        { name: 'reason', label: 'Reason', type: 'textarea', required: 'Enter the reason for the objection' },
      ],
      submitText: 'Send the objection',
      submit: async (v) => {
        await api(tenantPath(tenantId, '/subprocessor-objections'), { method: 'POST', body: { changeId: v.changeId, reason: v.reason } });
        announce('Objection recorded.');
        go(`#/t/${tenantId}/subprocessors`);
      },
    })] : null,
    h('p', {}, link(`#/t/${tenantId}/records`, 'See the records of processing')));
}
