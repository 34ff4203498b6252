// The embedded host's mailbox (local runs only): the e-mails the local mailer wrote instead of
// sending them, to read what privacy contacts and on-call would receive. The embedded host
// serves /.local/mailbox to platform admins; in Azure it does not exist and the page says so.

import { host } from './api.js';
import { banner, clear, h, link, paged, summary, table, when } from './dom.js';
import { ROLE, can } from './session.js';
import { heading } from './shell.js';

const PATH = '/.local/mailbox';

// Whether this host has a mailbox (the navigation shows the page only then).
export async function available() {
  if (!can(ROLE.PLATFORM)) return false;
  try {
    await host(`${PATH}?limit=1`);
    return true;
  } catch {
    return false;
  }
}

const NO_MAILBOX = 'This service has no local mailbox: e-mail is sent by Azure Communication Services.';

function refused(el, title, error, missing = NO_MAILBOX) {
  const words = error.status === 404 ? missing : error.words;
  clear(el, heading(title), banner('error', 'The mailbox cannot be shown', h('p', {}, words)));
}

export async function list(params, el) {
  let box;
  try {
    box = await host(PATH);
  } catch (error) {
    if (!error.words) throw error;
    refused(el, 'Mailbox', error);
    return;
  }
  clear(el, heading('Mailbox'),
    h('p', {}, 'Locally, e-mail is not sent: each message is written as an .eml file under the data directory\'s mailbox folder. Newest first.'),
    paged(box.items, 20, (slice) => table('E-mails written by the local mailer', ['Subject', 'To', 'Date', 'Attachments'],
      slice.map((m) => [link(`#/mailbox/${m.id}`, m.subject || '(no subject)'), m.to.join(', '), when(m.date), m.attachments.join(', ') || 'None']),
    'No e-mail yet.'), 'Mailbox'));
}

export async function message({ ids: [id] }, el) {
  let m;
  try {
    m = await host(`${PATH}/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!error.words) throw error;
    refused(el, 'E-mail', error, 'No such e-mail in the mailbox: it may have been removed.');
    return;
  }
  clear(el, heading(m.subject || '(no subject)', 'E-mail'),
    summary([['From', m.from], ['To', m.to.join(', ')], ['Date', when(m.date)], ['File', h('code', {}, `${m.id}.eml`)],
      ['Attachments', m.attachments.length ? h('ul', { class: 'plain' }, m.attachments.map((a) => h('li', {}, `${a.name} (${a.contentType}, ${a.bytes} bytes)`))) : 'None']]),
    h('h2', {}, 'Text'), h('pre', { class: 'code mail' }, m.text),
    h('p', {}, link('#/mailbox', 'Back to the mailbox')));
}
