// Small DOM helpers: every value reaches the page as text (never as HTML), so nothing the API
// returns can become markup or script.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export const uid = (prefix) => `${prefix}-${++ids}`;

// -- dates and durations ------------------------------------------------------------------------

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
  timeZone: 'UTC', timeZoneName: 'short',
});
const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
});

export function when(iso, dateOnly = false) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return h('time', { datetime: date.toISOString() }, (dateOnly ? DATE : DATE_TIME).format(date));
}

function span(ms) {
  const minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? '' : 's'}`;
}

// "Due in 29 days" or "Overdue by 2 days", measured against the API's notion of now.
export function countdown(deadline, now = Date.now(), finished = false) {
  const left = new Date(deadline).getTime() - now;
  if (finished) return h('span', { class: 'countdown' }, 'Closed');
  if (left < 0) return h('strong', { class: 'countdown countdown--late' }, `Overdue by ${span(left)}`);
  const soon = left < 7 * 86400000;
  return h('span', { class: soon ? 'countdown countdown--soon' : 'countdown' }, `Due in ${span(left)}`);
}

export function days(n, category = '') {
  if ((n === undefined || n === null) && category === 'consent') return 'the contract end plus 3 years (proof)';
  if (n === undefined || n === null) return 'until the contract ends';
  return `${n} day${n === 1 ? '' : 's'}`;
}

// -- components ---------------------------------------------------------------------------------

const TAGS = {
  received: 'blue', awaiting_approval: 'yellow', awaiting_requester: 'yellow', approved: 'blue',
  running: 'purple', completed: 'green', rejected: 'grey', cancelled: 'grey', failed: 'red', active: 'green', offboarding: 'yellow', offboarded: 'grey',
  pending: 'yellow', sent: 'blue', acknowledged: 'green', proposed: 'yellow', valid: 'green',
  broken: 'red', scheduled: 'blue', export_available: 'yellow', purging: 'purple', purged: 'grey',
  closed: 'grey', escalated: 'red', retrying: 'yellow', delivered: 'green', open: 'yellow', answered: 'green',
};

export const label = (value) => String(value ?? '').replaceAll('_', ' ');

export function tag(value) {
  return h('strong', { class: `tag tag--${TAGS[value] || 'grey'}` }, label(value));
}

// A definition list of [term, value] rows (GOV.UK "summary list").
export function summary(rows) {
  return h('dl', { class: 'summary' }, rows.filter(Boolean).map(([term, value]) => h('div', { class: 'summary__row' },
    h('dt', { class: 'summary__key' }, term),
    h('dd', { class: 'summary__value' }, value === undefined || value === null || value === '' ? '—' : value))));
}

export function banner(kind, title, ...body) {
  const role = kind === 'error' ? 'alert' : 'status';
  return h('div', { class: `banner banner--${kind}`, role }, h('h2', { class: 'banner__title' }, title), ...body);
}

// A table in a focusable scrolling region (narrow screens scroll it, keyboards reach it).
export function table(caption, headers, rows, empty = 'Nothing to show.') {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  const id = uid('table');
  return h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': id, tabindex: '0' },
    h('table', { class: 'table' },
      h('caption', { class: 'table__caption', id }, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => (i === 0
        ? h('th', { scope: 'row' }, cell) : h('td', {}, cell))))))));
}

// Client-side pages of a list the API returns whole.
export function paged(items, size, render, pageLabel = 'Results') {
  const holder = h('div', {});
  let page = 0;
  const pages = Math.max(1, Math.ceil(items.length / size));
  const draw = () => {
    const slice = items.slice(page * size, (page + 1) * size);
    const nav = pages > 1 ? pager(page, pages, (to) => { page = to; draw(); holder.querySelector('caption, h2')?.focus?.(); }, pageLabel) : null;
    clear(holder, render(slice, page * size), nav);
  };
  draw();
  return holder;
}

export function pager(page, pages, go, what = 'Results') {
  return h('nav', { class: 'pager', 'aria-label': `${what} pages` },
    h('button', { class: 'button button--secondary', type: 'button', disabled: page === 0, onclick: () => go(page - 1) }, 'Previous'),
    h('span', { class: 'pager__status' }, `Page ${page + 1} of ${pages}`),
    h('button', { class: 'button button--secondary', type: 'button', disabled: page >= pages - 1, onclick: () => go(page + 1) }, 'Next'));
}

export function button(text, onclick, kind = '') {
  return h('button', { class: `button ${kind}`.trim(), type: 'button', onclick }, text);
}

export function link(href, text, attrs = {}) {
  return h('a', { href, class: 'link', ...attrs }, text);
}

// Save a JSON document the page already holds (a certificate) as a file, without a request.
export function downloadJson(filename, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
