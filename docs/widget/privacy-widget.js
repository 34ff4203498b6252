// A minimal widget client for the privacy backbone's widget endpoints (docs/widget.md).
//
// An example to copy from, not a product: it shows what the API expects of a widget and is
// driven by a browser test (tests/widget/) against the embedded host. It keeps the visitor id
// and secret in first-party storage, sends nothing of behaviour before analytics consent,
// batches events (20, or every few seconds), flushes with keepalive when the page is hidden,
// waits Retry-After on 429/503, and starts a new visitor when the id is bound to another secret.

const STORE = 'privacy-widget';
const BATCH = 20;
const FLUSH_MS = 5000;

function randomSecret() {
  // 24 random bytes, base64url: 32 URL-safe characters (the API wants 22 to 128).
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function newVisitor(storage) {
  const visitor = { id: `v-${crypto.randomUUID()}`, secret: randomSecret() };
  storage.setItem(`${STORE}:visitor`, JSON.stringify(visitor));
  return visitor;
}

function loadVisitor(storage) {
  try {
    const stored = JSON.parse(storage.getItem(`${STORE}:visitor`));
    if (stored && stored.id && stored.secret) return stored;
  } catch { /* unreadable: start a new visitor */ }
  return newVisitor(storage);
}

function context() {
  return {
    userAgent: navigator.userAgent,
    language: navigator.language || 'en',
    screen: { width: screen.width, height: screen.height },
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  };
}

// The page's address without query string or fragment: they often carry emails or tokens.
const pageUrl = () => `${location.origin}${location.pathname}`;

function retryAfterMs(response) {
  const value = response.headers.get('Retry-After');
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value || '');
  return Number.isNaN(date) ? 5000 : Math.max(0, date - Date.now());
}

async function isVisitorMismatch(response) {
  const problem = await response.clone().json().catch(() => ({}));
  return String(problem.type || '').endsWith('/visitor-mismatch');
}

export function startWidget({ endpoint, widgetKey, textVersion, storage = localStorage, batchSize = BATCH, flushMs = FLUSH_MS }) {
  let visitor = loadVisitor(storage);
  const sessionId = sessionStorage.getItem(`${STORE}:session`) || `s-${crypto.randomUUID()}`;
  sessionStorage.setItem(`${STORE}:session`, sessionId);
  let analytics = storage.getItem(`${STORE}:analytics`) === 'granted';
  let queue = [];
  let pausedUntil = 0;
  let timer = null;
  const startedAt = Date.now();

  async function post(path, body, keepalive = false) {
    const payload = { visitorId: visitor.id, visitorSecret: visitor.secret, ...body };
    return fetch(`${endpoint}${path}`, {
      method: 'POST',
      keepalive,
      headers: { 'Content-Type': 'application/json', 'X-Widget-Key': widgetKey },
      body: JSON.stringify(payload),
    });
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; flush(); }, ms);
  }

  // Sends one batch. Returns true when the batch is settled (accepted, or refused for good),
  // false when it went back to the queue for a later try.
  async function send(batch, keepalive) {
    let response;
    try {
      response = await post('/v1/collect', { sessionId, context: context(), events: batch }, keepalive);
    } catch {
      queue = batch.concat(queue); // offline or blocked: keep the events, try again later
      schedule(flushMs);
      return false;
    }
    if (response.status === 429 || response.status === 503) {
      queue = batch.concat(queue); // the same events again later: ids make a resend harmless
      pausedUntil = Date.now() + retryAfterMs(response);
      schedule(pausedUntil - Date.now());
      return false;
    }
    if (response.status === 403 && await isVisitorMismatch(response)) {
      visitor = newVisitor(storage); // the id is bound to another secret: become a new visitor
      queue = batch.concat(queue);
      schedule(0);
      return false;
    }
    // 202 is done; other answers (400, 401, 403, 409, 413) would fail again: drop the batch.
    return true;
  }

  async function flush({ keepalive = false } = {}) {
    clearTimeout(timer);
    timer = null;
    if (!analytics || queue.length === 0) return;
    if (Date.now() < pausedUntil) { // Retry-After holds even when the page goes away
      if (keepalive) sessionStorage.setItem(`${STORE}:pending`, JSON.stringify({ until: pausedUntil, events: queue }));
      schedule(pausedUntil - Date.now());
      return;
    }
    while (queue.length > 0) {
      if (!await send(queue.splice(0, batchSize), keepalive)) return;
    }
  }

  function track(type, extra = {}) {
    if (!analytics) return false; // no behaviour data before consent: not queued, not sent
    queue.push({ id: crypto.randomUUID(), type, ts: new Date().toISOString(), url: pageUrl(), ...extra });
    if (queue.length >= batchSize) flush();
    else if (!timer) schedule(flushMs);
    return true;
  }

  async function consent(purposes) {
    let response = await post('/v1/consents', { purposes, textVersion });
    if (response.status === 403 && await isVisitorMismatch(response)) {
      visitor = newVisitor(storage);
      response = await post('/v1/consents', { purposes, textVersion });
    }
    if (response.status !== 202) return response.status;
    analytics = purposes.analytics === true;
    storage.setItem(`${STORE}:analytics`, analytics ? 'granted' : 'refused');
    if (!analytics) queue = []; // withdrawn: what was waiting is not sent
    else track('page_view');
    return response.status;
  }

  // The page goes away (tab closed, navigation, app switch on mobile): send what is queued
  // with keepalive, so the request outlives the page.
  function onHide() {
    if (!analytics) return;
    track('time_on_page', { durationMs: Date.now() - startedAt });
    flush({ keepalive: true });
  }
  addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flush({ keepalive: true });
  });
  document.addEventListener('click', (event) => {
    // Which element, by its data-track name or id: never its text (it may be personal).
    const el = event.target instanceof Element ? event.target.closest('[data-track], a, button') : null;
    if (el) track('click', { target: (el.dataset.track || el.id || el.tagName.toLowerCase()).slice(0, 256) });
  });

  // Events a previous page of this tab kept while the host asked it to wait (Retry-After).
  try {
    const pending = JSON.parse(sessionStorage.getItem(`${STORE}:pending`));
    if (pending && analytics) ({ until: pausedUntil, events: queue } = pending);
  } catch { /* unreadable: nothing pending */ }
  sessionStorage.removeItem(`${STORE}:pending`);
  if (queue.length > 0) schedule(Math.max(0, pausedUntil - Date.now()));
  if (analytics) track('page_view');

  return { track, consent, flush, get visitorId() { return visitor.id; }, get consented() { return analytics; } };
}
