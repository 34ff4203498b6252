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

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'follow',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json().catch(() => ({})) : await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === 'object' ? data : {});
    if (response.status === 401) listeners.forEach((l) => l(error));
    throw error;
  }
  return data;
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

let documented = null;
// Which operations the API documents ("post /api/v1/…/verification"): actions appear in the
// console only once the API has them.
export async function operations() {
  if (!documented) {
    documented = api('/v1/openapi.json').then((doc) => new Set(Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))));
  }
  return documented;
}

export const tenantPath = (tenantId, rest = '') => `/v1/tenants/${encodeURIComponent(tenantId)}${rest}`;
