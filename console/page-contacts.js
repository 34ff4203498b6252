// Contacts: support agents see email and phone masked, privacy admins in full (the API masks;
// the page says which view this is), each lead with the consent it came with. Paged by the
// API's continuation; the CSV download joins every page the API gives (masked alike).

import { api, tenantPath, text } from './api.js';
import { banner, button, clear, h, pager, table, when } from './dom.js';
import { ROLE, can } from './session.js';
import { announce, heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const PAGE = 20;
const CSV_PAGE = 500;

function consentOf(c) {
  if (!c.consent) return '—';
  const purposes = (c.consent.purposes || []).join(', ');
  const given = c.consent.granted ? `Given${purposes ? ` for ${purposes}` : ''}` : 'Refused';
  return h('span', {}, given, c.consent.withdrawn ? h('strong', {}, ' (withdrawn since)') : '', h('br'), h('span', { class: 'small' }, `text ${c.consent.textVersion}`));
}

// Every page as one CSV: the first page's header row, then each page's rows.
async function allCsv(tenantId) {
  let continuation = null;
  let csv = '';
  do {
    const query = new URLSearchParams({ format: 'csv', limit: CSV_PAGE, ...(continuation ? { continuation } : {}) });
    const page = await text(`${tenantPath(tenantId, '/contacts')}?${query}`, 'text/csv');
    csv += csv ? page.body.slice(page.body.indexOf('\n') + 1) : page.body;
    continuation = page.continuation;
  } while (continuation);
  return csv;
}

function csvButton(tenantId) {
  const status = h('span', { class: 'hint', role: 'status' });
  const download = button('Download all contacts (CSV)', async () => {
    download.disabled = true;
    try {
      const csv = await allCsv(tenantId);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = h('a', { href: url, download: `contacts-${tenantId}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      announce('Contacts downloaded.');
    } catch (error) {
      if (!error.words) throw error;
      status.textContent = error.words;
    } finally {
      download.disabled = false;
    }
  }, 'button--secondary');
  return h('div', { class: 'button-group' }, download, status);
}

export async function contacts({ tenantId }, el) {
  const tokens = [null];
  const body = h('div', {});
  const draw = async (index) => {
    const query = new URLSearchParams({ limit: PAGE, ...(tokens[index] ? { continuation: tokens[index] } : {}) });
    const page = await api(`${tenantPath(tenantId, '/contacts')}?${query}`);
    if (page.continuation) tokens[index + 1] = page.continuation;
    const pages = page.continuation ? index + 2 : index + 1;
    clear(body, table('Contacts', ['Contact', 'Email', 'Phone', 'Name', 'Call back', 'Consent', 'Received'],
      page.items.map((c) => [h('code', {}, c.contactId), c.email || '—', c.phone || '—', c.name || '—', c.callbackRequested ? 'Yes' : 'No', consentOf(c), when(c.createdAt)]),
      'No contacts yet.'),
    pages > 1 ? pager(index, pages, (to) => draw(to).then(() => body.querySelector('caption')?.focus()), 'Contact') : null);
  };
  await draw(0);
  const masked = !can(ROLE.ADMIN, tenantId);
  clear(el, heading('Contacts', tenantName(tenantId)),
    masked ? banner('info', 'Email addresses and phone numbers are masked', h('p', {}, 'Your role sees enough to recognise a contact, not to copy it. A privacy admin sees them in full.')) : null,
    csvButton(tenantId), body);
}
