// A secret the API shows once (a widget key, a webhook's signing secret): in a read-only
// field with a copy button and a warning, its heading focused so a screen reader announces it.
// It lives only in this element: never in storage or the address, gone once the page changes.

import { banner, button, clear, h, uid } from './dom.js';

export function shownOnce(holder, { title, facts, warning, label, value, copy, next }) {
  const id = uid('secret');
  const copied = h('span', { class: 'hint', role: 'status' });
  const copyButton = button(copy, async () => {
    const input = document.getElementById(id);
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected text.';
    }
  }, 'button--secondary');
  clear(holder, banner('success', title, facts),
    h('div', { class: 'warning' }, h('strong', { class: 'warning__text' }, warning)),
    h('div', { class: 'form-group' }, h('label', { class: 'label', for: id }, label),
      h('input', { class: 'input input--key', id, readonly: true, value, spellcheck: 'false', autocomplete: 'off' })),
    h('div', { class: 'button-group' }, copyButton, next, copied));
  const announced = holder.querySelector('h2');
  announced.setAttribute('tabindex', '-1');
  announced.focus();
}
