// Whom a request's identifiers matched, as the verifier checks them before anyone decides (a
// shared email can find two visitors: two matches, never merged), and leaving a wrong match
// out of the work: POST …/matches/{matchRef}/exclusion {reason}, before the decision only.

import { api, tenantPath } from './api.js';
import { h, label, table, when } from './dom.js';
import { form } from './forms.js';
import { ROLE, can } from './session.js';
import { announce } from './shell.js';

const EXCLUDE = '/api/v1/tenants/{tenantId}/dsar/{requestId}/matches/{matchRef}/exclusion';
const OPEN = new Set(['received', 'awaiting_approval', 'awaiting_requester']);

function excludeForm(r, tenantId, match, index, refresh) {
  const path = tenantPath(tenantId, `/dsar/${encodeURIComponent(r.requestId)}/matches/${encodeURIComponent(match.subjectRef)}/exclusion`);
  const done = 'Match left out: nothing of that person is touched by this request.';
  return h('details', { class: 'action', dataset: { match: match.subjectRef } },
    h('summary', { class: 'action__summary' }, 'Leave out', h('span', { class: 'visually-hidden' }, ` match ${index + 1}`)),
    h('div', { class: 'action__body' }, form({
      fields: [{ name: 'reason', id: `exclude-${index}-reason`, label: 'Why is this not the requester?', type: 'textarea', required: 'Enter a reason', hint: 'Recorded with the request.' }],
      submitText: 'Leave this match out',
      submit: async (v) => {
        await api(path, { method: 'POST', body: { reason: v.reason } });
        announce(done);
        await refresh(done);
      },
    })));
}

export function matchesSection(r, tenantId, ops, refresh) {
  if (!r.matches) return null;
  const may = OPEN.has(r.status) && !r.decidedBy && ops.has(`post ${EXCLUDE}`) && can([ROLE.OPERATOR, ROLE.ADMIN], tenantId);
  const rows = r.matches.map((m, i) => [
    h('code', { class: 'small' }, m.subjectRef), m.matchedBy.map(label).join(', '), String(m.records),
    m.firstSeen ? h('span', {}, when(m.firstSeen, true), ' to ', when(m.lastSeen, true)) : '—',
    m.excluded ? h('span', {}, h('strong', {}, 'Left out'), m.exclusionReason ? `: ${m.exclusionReason}` : '') : 'Included',
    may ? (!m.excluded && excludeForm(r, tenantId, m, i, refresh)) || '' : null,
  ].filter((cell) => cell !== null));
  return [h('h2', {}, 'Who the identifiers found'),
    h('p', {}, 'Check that each match is the requester before anyone decides; leave a wrong one out.'),
    (r.matchesIncompleteFor || []).length ? h('p', { class: 'hint' }, `Too many records to list for: ${r.matchesIncompleteFor.map(label).join(', ')}.`) : null,
    table('Matches', ['Person (pseudonymous id)', 'Found by', 'Records', 'Data collected', 'In the work', ...(may ? ['Action'] : [])], rows, 'The identifiers found nobody.')];
}
