// Accessible forms in the GOV.UK pattern: a label and hint for every field, an error summary at
// the top linking to each field in error, the message again beside the field. The API is the
// judge of what is valid; the page only checks that required fields are filled.

import { ApiError } from './api.js';
import { clear, h, uid } from './dom.js';

function control(field, id, describedBy) {
  const common = { id, name: field.name, 'aria-describedby': describedBy || null };
  if (field.type === 'textarea') {
    return h('textarea', { class: 'textarea', rows: field.rows || 3, ...common }, field.value ?? '');
  }
  if (field.type === 'select') {
    return h('select', { class: 'select', ...common }, field.options.map(([value, text]) => h('option', { value, selected: String(field.value ?? '') === value }, text)));
  }
  return h('input', {
    class: `input ${field.width ? `input--${field.width}` : ''}`.trim(), type: field.type || 'text', value: field.value ?? '', autocomplete: field.autocomplete || 'off', spellcheck: 'false', inputmode: field.inputmode, min: field.min, max: field.max, step: field.step, ...common,
  });
}

function choices(field, id, describedBy) {
  const type = field.type === 'radios' ? 'radio' : 'checkbox';
  const chosen = new Set([].concat(field.value ?? []).map(String));
  return h('fieldset', { class: 'fieldset', 'aria-describedby': describedBy || null },
    h('legend', { class: 'label' }, field.label),
    field.hint ? h('p', { class: 'hint', id: `${id}-hint` }, field.hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    h('div', { class: type === 'radio' ? 'choices' : 'choices choices--boxes' }, field.options.map(([value, text], index) => {
      const optionId = index === 0 ? id : `${id}-${index}`;
      return h('div', { class: 'checkbox' },
        h('input', { type, id: optionId, name: field.name, value, checked: chosen.has(value) }),
        h('label', { for: optionId }, text));
    })));
}

export function fieldGroup(field) {
  const id = field.id || uid(field.name);
  field.id = id;
  const describedBy = [field.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  if (field.type === 'radios' || field.type === 'checkboxes') {
    return h('div', { class: 'form-group', dataset: { field: field.name } }, choices(field, id, describedBy));
  }
  return h('div', { class: 'form-group', dataset: { field: field.name } },
    h('label', { class: 'label', for: id }, field.label),
    field.hint ? h('p', { class: 'hint', id: `${id}-hint` }, field.hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    control(field, id, describedBy));
}

function values(formEl, fields) {
  const data = new FormData(formEl);
  const out = {};
  for (const field of fields) {
    out[field.name] = field.type === 'checkboxes' ? data.getAll(field.name) : (data.get(field.name) ?? '').toString().trim();
  }
  return out;
}

// Map an API error's {path, message} to the form's field: the one whose `path` is the error's
// JSON pointer or its longest prefix ("/allowedOrigins/0" is the origins field), else the field
// named like the pointer's last named part.
function fieldFor(fields, path) {
  const within = fields.filter((f) => f.path && (path === f.path || path.startsWith(`${f.path}/`)))
    .sort((a, b) => b.path.length - a.path.length);
  const named = path.split('/').filter((p) => p && !/^\d+$/.test(p)).pop();
  return within[0] || fields.find((f) => f.name === named) || null;
}

// The API's validation messages are mostly plain; a pattern is not, so a field says in words
// what it expects (`format`).
function humane(message, field) {
  if (/should match pattern/i.test(message)) return field?.format || 'Enter it in the format shown in the hint';
  return message;
}

function showErrors(formEl, summaryEl, fields, problems) {
  formEl.querySelectorAll('.form-group--error').forEach((g) => g.classList.remove('form-group--error'));
  formEl.querySelectorAll('.field-error').forEach((p) => { p.hidden = true; p.textContent = ''; });
  if (!problems.length) { summaryEl.hidden = true; return; }
  const items = problems.map(({ field, message }) => {
    if (field) {
      const group = formEl.querySelector(`[data-field="${field.name}"]`);
      group.classList.add('form-group--error');
      const p = group.querySelector('.field-error');
      p.hidden = false;
      clear(p, h('span', { class: 'visually-hidden' }, 'Error: '), message);
      return h('li', {}, h('a', { href: `#${field.id}`, onclick: (e) => { e.preventDefault(); document.getElementById(field.id).focus(); } }, message));
    }
    return h('li', {}, message);
  });
  clear(summaryEl, h('h2', { class: 'error-summary__title' }, 'There is a problem'), h('ul', { class: 'error-summary__list' }, items));
  summaryEl.hidden = false;
  summaryEl.focus();
}

// fields: [{name, label, hint?, type?, options?, required?, value?, path?}]
// submit(values) resolves on success; an ApiError becomes the error summary.
export function form({ fields, submitText, submit, secondary }) {
  const summaryEl = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const button = h('button', { class: 'button', type: 'submit' }, submitText);
  const formEl = h('form', { class: 'form', novalidate: true }, summaryEl, fields.map(fieldGroup), h('div', { class: 'button-group' }, button, secondary || null));
  formEl.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = values(formEl, fields);
    const missing = fields.filter((f) => f.required && (Array.isArray(data[f.name]) ? !data[f.name].length : !data[f.name]))
      .map((f) => ({ field: f, message: f.required === true ? `Enter ${f.label.toLowerCase()}` : f.required }));
    showErrors(formEl, summaryEl, fields, missing);
    if (missing.length) return;
    button.disabled = true;
    try {
      await submit(data);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const listed = (error.errors || []).map((e) => {
        const field = fieldFor(fields, e.path);
        return { field, message: humane(e.message, field) };
      });
      showErrors(formEl, summaryEl, fields, listed.length ? listed : [{ field: null, message: error.words }]);
    } finally {
      button.disabled = false;
    }
  });
  return formEl;
}
