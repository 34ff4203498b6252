// What every page may ask of the shell: announce a change, go elsewhere, know it is still shown.

import { ApiError } from './api.js';
import { banner, clear, h, link } from './dom.js';

export const view = { current: 0 };

// A page calls this with the token it was rendered with; its polling stops once it is not shown.
export const isCurrent = (token) => token === view.current;

export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function showFailure(el, error) {
  if (!(error instanceof ApiError)) throw error;
  const title = error.status === 403 ? 'You cannot open this page' : 'This page could not be loaded';
  clear(el, h('h1', { tabindex: '-1' }, title), banner('error', title, h('p', {}, error.words)), h('p', {}, link('#/', 'Go to the start')));
}

// A page heading with an optional caption above it (the tenant's name, say).
export function heading(text, caption) {
  return [caption ? h('span', { class: 'caption' }, caption) : null, h('h1', { tabindex: '-1' }, text)];
}
