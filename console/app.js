// The console's shell: who is signed in, the navigation their grants allow, and a hash router
// whose routes carry ids only (never a personal value) and nothing in browser storage.

import { ApiError, onSignedOut } from './api.js';
import { banner, clear, h, link } from './dom.js';
import { go, isCurrent, showFailure, view } from './shell.js';
import { ROLE, can, loadSession, rolesIn, session, signInHref, signOutHref } from './session.js';
import * as tenants from './page-tenants.js';
import * as requests from './page-requests.js';
import * as request from './page-request.js';
import * as people from './page-contacts.js';
import * as retention from './page-retention.js';
import * as audit from './page-audit.js';
import * as incidents from './page-incidents.js';
import * as register from './page-subprocessors.js';
import * as records from './page-records.js';
import * as settings from './page-settings.js';
import * as webhooks from './page-webhooks.js';
import * as notices from './page-notices.js';
import * as authority from './page-authority.js';
import * as mailbox from './page-mailbox.js';

const T = '/t/([^/]+)';
const ROUTES = [
  [/^\/$/, home],
  [/^\/tenants$/, tenants.list],
  [/^\/tenants\/new$/, tenants.create],
  [new RegExp(`^${T}$`), tenants.overview],
  [new RegExp(`^${T}/settings$`), settings.settings],
  [new RegExp(`^${T}/webhooks$`), webhooks.list],
  [new RegExp(`^${T}/webhooks/new$`), webhooks.add],
  [new RegExp(`^${T}/webhooks/([^/]+)$`), webhooks.detail],
  [new RegExp(`^${T}/notices$`), notices.notices],
  [new RegExp(`^${T}/notices/([^/]+)$`), notices.breach],
  [new RegExp(`^${T}/requests$`), requests.queue],
  [new RegExp(`^${T}/requests/new$`), requests.start],
  [new RegExp(`^${T}/requests/([^/]+)$`), request.page],
  [new RegExp(`^${T}/requests/([^/]+)/certificate$`), request.certificate],
  [new RegExp(`^${T}/contacts$`), people.contacts],
  [new RegExp(`^${T}/holds$`), retention.holds],
  [new RegExp(`^${T}/offboarding$`), retention.offboarding],
  [new RegExp(`^${T}/audit$`), audit.trail],
  [new RegExp(`^${T}/records$`), records.page],
  [new RegExp(`^${T}/subprocessors$`), register.tenantChanges],
  [/^\/incidents$/, incidents.list],
  [/^\/incidents\/new$/, incidents.report],
  [/^\/incidents\/([^/]+)$/, incidents.detail],
  [/^\/subprocessors$/, register.platform],
  [/^\/authority$/, authority.register],
  [/^\/authority\/new$/, authority.record],
  [/^\/authority\/([^/]+)$/, authority.detail],
  [/^\/mailbox$/, mailbox.list],
  [/^\/mailbox\/([^/]+)$/, mailbox.message],
];

// Tenant pages and who may open them (as the API's routes decide).
const TENANT_PAGES = [
  ['', 'Overview', null],
  ['/requests', 'Requests', [ROLE.OPERATOR, ROLE.ADMIN]],
  ['/contacts', 'Contacts', [ROLE.SUPPORT, ROLE.ADMIN]],
  ['/holds', 'Legal holds', [ROLE.ADMIN]],
  ['/offboarding', 'Offboarding', [ROLE.ADMIN, ROLE.PLATFORM]],
  ['/audit', 'Audit trail', [ROLE.AUDITOR, ROLE.ADMIN]],
  ['/subprocessors', 'Subprocessor changes', [ROLE.ADMIN]],
  ['/webhooks', 'Webhooks', [ROLE.ADMIN]],
  ['/notices', 'Notices', [ROLE.ADMIN]],
  ['/records', 'Records of processing', null],
];

const main = () => document.getElementById('main');
let firstRender = true;
let hasMailbox = false; // the embedded host's mailbox (local runs), for platform admins

function renderWho() {
  const who = document.getElementById('who');
  if (!session.signedIn) {
    clear(who, h('a', { class: 'masthead__link', href: signInHref() }, 'Sign in'));
    return;
  }
  clear(who, h('span', { class: 'masthead__name' }, session.name), ' ', h('a', { class: 'masthead__link', href: signOutHref() }, 'Sign out'));
}

function navItem(href, text, path) {
  const here = `#${path}` === href;
  return h('li', { class: 'nav__item' }, h('a', { class: 'nav__link', href, 'aria-current': here ? 'page' : null }, text));
}

function renderNav(path, tenantId) {
  const nav = document.getElementById('nav');
  if (!session.signedIn) { clear(nav); return; }
  const global = [navItem('#/tenants', 'Tenants', path)];
  if (can(ROLE.PLATFORM)) {
    global.push(navItem('#/incidents', 'Incidents', path), navItem('#/subprocessors', 'Subprocessors', path), navItem('#/authority', 'Authority requests', path));
  }
  if (hasMailbox) global.push(navItem('#/mailbox', 'Mailbox', path));
  const lists = [h('ul', { class: 'nav__list' }, global)];
  if (tenantId && rolesIn(tenantId).size) {
    const name = session.tenants.get(tenantId)?.name || tenantId;
    const items = TENANT_PAGES.filter(([, , roles]) => !roles || can(roles, tenantId))
      .map(([suffix, text]) => navItem(`#/t/${tenantId}${suffix}`, text, path));
    lists.push(h('p', { class: 'nav__tenant' }, 'Tenant: ', h('strong', {}, name)), h('ul', { class: 'nav__list nav__list--tenant' }, items));
  }
  clear(nav, h('div', { class: 'nav__inner' }, lists));
}

function home(params, el) {
  const mine = [...session.tenants.values()];
  if (mine.length === 1 && !can(ROLE.PLATFORM)) return go(`#/t/${mine[0].tenantId}`);
  return tenants.list(params, el);
}

function signedOut(message) {
  session.signedIn = false;
  renderWho();
  renderNav('', null);
  document.title = 'Sign in - Privacy console';
  clear(main(), h('h1', { tabindex: '-1' }, 'Sign in to the privacy console'),
    message ? banner('error', 'You are signed out', h('p', {}, message)) : null,
    h('p', { class: 'lede' }, 'The console shows what your roles allow: tenants, data-subject requests, contacts, legal holds, the audit trail and incidents.'),
    h('p', {}, link(signInHref(), 'Sign in', { class: 'button' })));
}

async function route() {
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return; // the skip link's #main: stay where we are
  const path = hash.slice(1).split('?')[0];
  const token = ++view.current;
  if (!session.signedIn) return signedOut();
  const found = ROUTES.map(([pattern, render]) => [path.match(pattern), render]).find(([m]) => m);
  const tenantId = path.startsWith('/t/') ? decodeURIComponent(path.split('/')[2]) : null;
  renderNav(path, tenantId);
  // Each navigation renders into its own element: a slower page still loading from an earlier
  // route then writes into a detached element, never over the page now shown.
  const el = h('div', { class: 'view' });
  clear(main(), el);
  if (!found) {
    clear(el, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'Check the address, or ', link('#/', 'go to the start'), '.'));
  } else {
    const [match, render] = found;
    const captures = match.slice(1).map(decodeURIComponent);
    const params = { tenantId, token, ids: tenantId ? captures.slice(1) : captures };
    clear(el, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    try {
      await render(params, el);
    } catch (error) {
      if (!isCurrent(token)) return;
      showFailure(el, error);
    }
  }
  if (!isCurrent(token)) return;
  const heading = el.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    document.title = `${heading.textContent} - Privacy console`;
    if (!firstRender) heading.focus();
  }
  firstRender = false;
}

async function start() {
  onSignedOut(() => signedOut('Your session has ended. Sign in again to continue.'));
  try {
    await loadSession();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) {
      clear(main(), h('h1', {}, 'The console could not start'), banner('error', 'The console could not start', h('p', {}, error.words || String(error))));
      return;
    }
  }
  renderWho();
  if (session.signedIn) hasMailbox = await mailbox.available();
  window.addEventListener('hashchange', route);
  await route();
}

start();
