// The one way the console talks to the API: same-origin fetch with the session cookie, JSON in
// and out, and every failure turned into words a person can act on (never a raw JSON dump).

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.words = wordsFor(status, problem);
  }
}

function wordsFor(status, problem) {
  const detail = typeof problem.detail === 'string' ? problem.detail : '';
  const sentence = detail ? `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`.replace(/\.\.$/, '.') : '';
  switch (status) {
    case 0: return 'The console could not reach the service. Check your connection and try again.';
    case 400: return sentence || 'The service could not accept this. Check the answers and try again.';
    case 401: return 'You are signed out. Sign in again to continue.';
    case 403: return `You do not have permission to do this. ${sentence}`.trim();
    case 404: return sentence || 'This could not be found. It may have been removed.';
    case 409: return sentence || 'This cannot be done now: something changed since the page loaded.';
    case 410: return sentence || 'This is no longer available.';
    case 421: return `This tenant is served in another region. ${sentence}`.trim();
    case 429: return 'Too many requests for now. Wait a moment and try again.';
    default: return 'Something went wrong on the service. Try again in a moment; if it keeps happening, tell your platform team.';
  }
}

const listeners = new Set();
// Called with the error whenever the API says the session is gone (401).
export function onSignedOut(listener) { listeners.add(listener); }

// One call to the service: JSON in, the answer out (JSON, text, or null for 204); a failure
// becomes an ApiError with words. `url` is absolute on this origin (the API, or the embedded
// host's own routes such as /.local/mailbox).
async function call(url, { method = 'GET', body, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'follow',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0);
  }
  if (response.status === 204) return { data: null, response };
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json().catch(() => ({})) : await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === 'object' ? data : {});
    if (response.status === 401) listeners.forEach((l) => l(error));
    throw error;
  }
  return { data, response };
}

export async function api(path, options = {}) {
  return (await call(`/api${path}`, options)).data;
}

// The embedded host's own routes (not the app's): absent in Azure, where they answer 404.
export async function host(path) {
  return (await call(path)).data;
}

// A text answer (CSV) and the header that names its next page.
export async function text(path, accept, next = 'X-Continuation') {
  const { data, response } = await call(`/api${path}`, { accept });
  return { body: String(data ?? ''), continuation: response.headers.get(next) };
}

// Every page of a listing that pages with a continuation token.
export async function* pages(path, params = {}) {
  let continuation = null;
  do {
    const query = new URLSearchParams({ ...params, ...(continuation ? { continuation } : {}) });
    const page = await api(`${path}?${query}`);
    yield page;
    continuation = page.continuation || null;
  } while (continuation);
}

let described = null;
// The API's own description (fetched once): which operations exist, and the values an enum
// allows, so the console follows the API instead of copying its lists.
export function openapi() {
  if (!described) described = api('/v1/openapi.json');
  return described;
}

// Which operations the API documents ("post /api/v1/…/verification"): actions appear in the
// console only once the API has them.
export async function operations() {
  const doc = await openapi();
  return new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
}

const resolve = (doc, schema) => (schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema);

// The event types a webhook may subscribe to, as the API's schema lists them today.
export async function eventTypes() {
  const doc = await openapi();
  const body = doc.paths['/api/v1/tenants/{tenantId}/webhooks'].post.requestBody.content['application/json'].schema;
  return resolve(doc, resolve(doc, body).properties.events.items).enum;
}

export const tenantPath = (tenantId, rest = '') => `/v1/tenants/${encodeURIComponent(tenantId)}${rest}`;
