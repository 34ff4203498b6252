// Call recordings on a completed access or portability request (Privacy.Admin): the API lists
// no recordings on their own, but the request's export holds each one's metadata. Reading the
// export is audited, so the list loads only when asked; each recording then plays through the
// audited audio route (an <audio> element with preload="none" fetches nothing until played,
// with the session cookie, as the console's media-src 'self' allows).

import { api, tenantPath } from './api.js';
import { button, clear, h, table, when } from './dom.js';
import { ROLE, can } from './session.js';
import { announce } from './shell.js';

const EXPORTING = new Set(['access', 'portability']);

const minutes = (seconds) => `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;

function player(tenantId, rec) {
  const src = `/api${tenantPath(tenantId, `/recordings/${encodeURIComponent(rec.id)}/audio`)}`;
  const name = `the call of ${new Date(rec.startedAt).toUTCString()}`;
  return [
    h('audio', { class: 'audio', controls: true, preload: 'none', src, 'aria-label': `Recording of ${name}` }),
    h('br'), h('a', { class: 'link', href: src, download: rec.audioFile?.split('/').pop() || rec.id }, 'Download'),
  ];
}

function recordingsTable(tenantId, recordings) {
  return table('Call recordings of this person', ['Call started', 'Length', 'Recording'],
    recordings.map((rec) => [when(rec.startedAt), minutes(rec.durationSeconds ?? 0), h('div', {}, player(tenantId, rec))]),
    'The export holds no recording.');
}

export function recordingsSection(r, tenantId) {
  const count = (r.result?.categories || []).find((c) => c.category === 'recording')?.records;
  const expires = r.result?.exportExpiresAt;
  if (!EXPORTING.has(r.type) || r.status !== 'completed' || !count || !can(ROLE.ADMIN, tenantId)) return null;
  if (!expires || new Date(expires) <= Date.now()) return null;
  const holder = h('div', {});
  const show = button('List the call recordings', async () => {
    show.disabled = true;
    try {
      const exported = await api(tenantPath(tenantId, `/dsar/${encodeURIComponent(r.requestId)}/export`));
      const recordings = exported.categories?.recording || [];
      clear(holder, recordingsTable(tenantId, recordings));
      show.hidden = true;
      announce(`${recordings.length} call recording${recordings.length === 1 ? '' : 's'} listed.`);
    } catch (error) {
      if (!error.words) throw error;
      clear(holder, h('p', { class: 'field-error', role: 'alert' }, error.words));
    } finally {
      show.disabled = false;
    }
  }, 'button--secondary');
  return [h('h2', {}, 'Call recordings'),
    h('p', {}, `${count} recording${count === 1 ? '' : 's'} of this person's calls. Listing them reads the export, and every listening or download is recorded in the audit trail.`),
    h('p', {}, show), holder];
}
