// Contacts: support agents see email and phone masked, privacy admins in full (the API masks;
// the page says which view this is). Paged by the API's continuation.

import { api, tenantPath } from './api.js';
import { banner, clear, h, pager, table, when } from './dom.js';
import { ROLE, can } from './session.js';
import { heading } from './shell.js';
import { tenantName } from './page-tenants.js';

const PAGE = 20;

export async function contacts({ tenantId }, el) {
  const tokens = [null];
  const body = h('div', {});
  const draw = async (index) => {
    const query = new URLSearchParams({ limit: PAGE, ...(tokens[index] ? { continuation: tokens[index] } : {}) });
    const page = await api(`${tenantPath(tenantId, '/contacts')}?${query}`);
    if (page.continuation) tokens[index + 1] = page.continuation;
    const pages = page.continuation ? index + 2 : index + 1;
    clear(body, table('Contacts', ['Contact', 'Email', 'Phone', 'Name', 'Call back', 'Received'],
      page.items.map((c) => [h('code', {}, c.contactId), c.email || '—', c.phone || '—', c.name || '—', c.callbackRequested ? 'Yes' : 'No', when(c.createdAt)]),
      'No contacts yet.'),
    pages > 1 ? pager(index, pages, (to) => draw(to).then(() => body.querySelector('caption')?.focus()), 'Contact') : null);
  };
  await draw(0);
  const masked = !can(ROLE.ADMIN, tenantId);
  clear(el, heading('Contacts', tenantName(tenantId)),
    masked ? banner('info', 'Email addresses and phone numbers are masked', h('p', {}, 'Your role sees enough to recognise a contact, not to copy it. A privacy admin sees them in full.')) : null,
    body);
}
