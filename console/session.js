// Who is signed in, and what the API lets them do where. The console only hides what the API
// would refuse; the API still decides every call.

import { api, ApiError } from './api.js';

export const ROLE = {
  PLATFORM: 'Platform.Admin', ADMIN: 'Privacy.Admin', OPERATOR: 'Privacy.Operator',
  SUPPORT: 'Support.Agent', AUDITOR: 'Auditor',
};
export const EVERY = '*';

export const session = { signedIn: false, name: '', actor: '', grants: [], tenants: new Map() };

// App Service Authentication's own endpoint (the embedded host emulates it locally). It answers
// only where the platform keeps a token store; elsewhere (404) the API says who is signed in.
async function authMe() {
  let response;
  try {
    response = await fetch('/.auth/me', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0);
  }
  if (response.status === 404) return undefined;
  if (response.status === 401) return null;
  if (!response.ok) throw new ApiError(response.status);
  const entries = await response.json();
  return Array.isArray(entries) && entries.length ? entries[0] : null;
}

export async function loadSession() {
  const me = await authMe();
  if (me === null) return session;
  let principal;
  try {
    principal = await api('/v1/me');
  } catch (error) {
    if (me === undefined && error.status === 401) return session;
    throw error;
  }
  const claimed = (me?.user_claims || []).find((c) => c.typ === 'name')?.val;
  const name = claimed || principal.name || me?.user_id || 'Signed in';
  Object.assign(session, { signedIn: true, name, actor: principal.actor, grants: principal.grants });
  await loadTenants();
  return session;
}

// The tenants to choose from (first 200 by name; a platform admin pages the full list on the
// Tenants page).
export async function loadTenants() {
  const page = await api('/v1/tenants?limit=200');
  session.tenants = new Map(page.items.map((t) => [t.tenantId, t]));
  return page;
}

export function rolesIn(tenantId) {
  return new Set(session.grants.filter((g) => g.tenant === EVERY || g.tenant === tenantId).map((g) => g.role));
}

// May the principal act as one of `roles` in `tenantId` (null: a tenant-less action, which
// needs the role granted for every tenant)?
export function can(roles, tenantId = null) {
  const held = tenantId === null
    ? new Set(session.grants.filter((g) => g.tenant === EVERY).map((g) => g.role))
    : rolesIn(tenantId);
  return [].concat(roles).some((role) => held.has(role));
}

export const isMe = (actor) => Boolean(actor) && actor === session.actor;

export function signInHref() {
  const back = `/api/console/${location.hash.startsWith('#/') ? location.hash : ''}`;
  return `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(back)}`;
}

export const signOutHref = () => `/.auth/logout?post_logout_redirect_uri=${encodeURIComponent('/api/console/')}`;
