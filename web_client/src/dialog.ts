// Confirmation dialogs: a native modal <dialog> (the rest of the page is inert while it is
// open, Escape cancels), named by its title, focus moved in on open and back on close.

import { focusedNow, giveFocusBack, h } from './dom';

export interface DialogField {
  kind: 'text' | 'checkbox';
  label: string;
  /** Text fields: the longest answer accepted. */
  maxLength?: number;
  hint?: string;
  /** Text fields: the words already there (editing). */
  value?: string;
}

export interface DialogOptions {
  title: string;
  text: string;
  confirmLabel: string;
  cancelLabel?: string;
  /** The confirm button is styled as a destructive action. */
  danger?: boolean;
  fields?: DialogField[];
  /** Where focus goes on close when the control that opened the dialog is gone. */
  fallbackFocus?: () => HTMLElement | null;
  /** Closes this dialog (as cancelled) when aborted: what it asked is no longer asked. */
  signal?: AbortSignal;
}

/** What the person chose: one value per field (text, or checked), or null when cancelled. */
export type DialogResult = Array<string | boolean> | null;

let counter = 0;

export function openDialog(options: DialogOptions): Promise<DialogResult> {
  const opener = focusedNow();
  const id = `dialog-${++counter}`;
  const title = h('h2', { id: `${id}-title`, class: 'dialog-title' }, options.title);
  const text = h('p', { id: `${id}-text` }, options.text);
  const inputs: Array<HTMLInputElement | HTMLTextAreaElement> = [];
  const fields = (options.fields ?? []).map((field, i) => {
    const inputId = `${id}-field-${i}`;
    if (field.kind === 'checkbox') {
      const input = h('input', { type: 'checkbox', id: inputId });
      inputs.push(input);
      return h('label', { class: 'check', for: inputId }, input, h('span', {}, field.label));
    }
    const hintId = field.hint ? `${inputId}-hint` : undefined;
    const input = h('textarea', {
      id: inputId,
      rows: '3',
      maxlength: field.maxLength ? String(field.maxLength) : undefined,
      'aria-describedby': hintId,
    });
    if (field.value) input.value = field.value;
    inputs.push(input);
    return h(
      'div',
      { class: 'field' },
      h('label', { for: inputId }, field.label),
      field.hint ? h('span', { class: 'hint', id: hintId }, field.hint) : null,
      input,
    );
  });
  const confirm = h(
    'button',
    { type: 'button', class: options.danger ? 'button danger' : 'button primary' },
    options.confirmLabel,
  );
  const cancel = h('button', { type: 'button', class: 'button secondary' }, options.cancelLabel ?? 'Cancel');
  const dialog = h(
    'dialog',
    {
      class: 'dialog',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': title.id,
      'aria-describedby': text.id,
    },
    title,
    text,
    ...fields,
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  );
  document.body.appendChild(dialog);

  return new Promise<DialogResult>((resolve) => {
    let result: DialogResult = null;
    const close = (value: DialogResult): void => {
      result = value;
      dialog.close();
    };
    confirm.addEventListener('click', () =>
      close(inputs.map((input) => (input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value.trim()))),
    );
    cancel.addEventListener('click', () => close(null));
    options.signal?.addEventListener('abort', () => close(null), { once: true });
    // Escape: the browser closes the dialog; the result stays null.
    dialog.addEventListener('close', () => {
      dialog.remove();
      // Back to where the person was, or, if that control is gone, to the nearest heading.
      giveFocusBack(opener, options.fallbackFocus);
      resolve(result);
    });
    dialog.showModal();
    // A message to write comes first; otherwise the safe choice has the focus.
    (inputs.find((i) => i instanceof HTMLTextAreaElement) ?? cancel).focus();
  });
}

/** Close every open dialog (the screen they belong to is going away). */
export function closeDialogs(): void {
  for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog.dialog')) dialog.close();
}
