// The mood check-in. A facilitator asks "How are you feeling right now?" (the section in
// the Engagement panel); each participant gets a gentle dialog: a number from 1 to 10 or
// one of five faces (each with its words), an optional word, Send or Skip. Answers go to
// the facilitators only (`mood.updated`, with a summary); nothing of them comes back to
// participants.

import { clear, focusedNow, giveFocusBack, h } from './dom';
import type { RequestFn } from './facilitator';
import type { Feedback } from './feedback';
import { MAX_MOOD_WORD, type MoodAsked, type MoodClosed, type MoodScale, type MoodView } from './protocol';
import type { RoomView } from './roomview';

export const DEFAULT_QUESTION = 'How are you feeling right now?';

export const FACES: { value: number; picture: string; words: string }[] = [
  { value: 1, picture: '😞', words: 'Very low' },
  { value: 2, picture: '🙁', words: 'Low' },
  { value: 3, picture: '😐', words: 'Okay' },
  { value: 4, picture: '🙂', words: 'Good' },
  { value: 5, picture: '😄', words: 'Very good' },
];

/** An answer in words: "7 out of 10", "Good (4 of 5)". */
export function moodWords(value: number, scale: MoodScale | string): string {
  if (scale === 'faces') return `${FACES[value - 1]?.words ?? value} (${value} of 5)`;
  return `${value} out of 10`;
}

// ---- the participant's dialog ---------------------------------------------------------------
// The check-ins this person answered or skipped in this tab: not asked again when they
// reconnect, reload or move between rooms (one left open by a reload is asked again).
const SHOWN_KEY = 'mood-checks-done';

function doneChecks(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

function rememberDone(id: string): void {
  try {
    const ids = [...doneChecks(), id].slice(-20);
    sessionStorage.setItem(SHOWN_KEY, JSON.stringify(ids));
  } catch {
    // Storage may be off (private mode): at worst the question comes again.
  }
}

export class MoodDialog {
  private dialog: HTMLDialogElement | null = null;
  private checkId: string | null = null;
  private early: MoodAsked | null = null;

  constructor(
    private readonly view: RoomView,
    private readonly request: RequestFn,
  ) {}

  /** An open check-in found on coming in (the `join` ack or `room.entered`): asked unless
   * this tab has already shown it. */
  pending(question: MoodAsked | null | undefined): void {
    // One that came while we were still joining is newer than the join's answer.
    const open = this.early ?? question;
    this.early = null;
    if (!open || doneChecks().has(open.id) || (this.dialog && open.id === this.checkId)) return;
    this.asked(open);
  }

  /** `mood.asked` before we are in a room (its join answer not yet read): kept for
   * `pending`, or the person would never be asked. */
  hold(event: MoodAsked): void {
    this.early = event;
  }

  /** A facilitator asks (a newer question replaces an open one). */
  asked(event: MoodAsked): void {
    this.dialog?.close();
    this.checkId = event.id;
    const choices = event.scale === 'faces'
      ? FACES.map((f) => ({ value: f.value, content: [h('span', { class: 'mood-face', 'aria-hidden': 'true' }, f.picture), h('span', {}, f.words)] }))
      : Array.from({ length: 10 }, (_, i) => ({ value: i + 1, content: [h('span', {}, String(i + 1))] }));
    const radios = choices.map((c) => h('input', { type: 'radio', name: 'mood-value', value: String(c.value) }));
    const scaleHint = h(
      'p',
      { class: 'hint', id: 'mood-scale-hint' },
      event.scale === 'faces' ? 'Choose the face closest to how you feel.' : '1 is very low, 10 is very good.',
    );
    const fieldset = h(
      'fieldset',
      { class: `mood-scale ${event.scale}`, 'aria-describedby': 'mood-scale-hint' },
      h('legend', {}, event.question),
      scaleHint,
      h('div', { class: 'mood-choices' }, ...choices.map((c, i) => h('label', { class: 'mood-choice' }, radios[i], ...c.content))),
    );
    const word = h('input', { type: 'text', id: 'mood-word', maxlength: String(MAX_MOOD_WORD), autocomplete: 'off' });
    const problem = h('p', { class: 'dialog-problem', role: 'alert', hidden: true });
    const send = h('button', { type: 'button', class: 'button primary' }, 'Send answer');
    const skip = h('button', { type: 'button', class: 'button secondary' }, 'Skip');
    const dialog = h(
      'dialog',
      { class: 'dialog mood-dialog', 'aria-labelledby': 'mood-title', 'aria-describedby': 'mood-note' },
      h('h2', { class: 'dialog-title', id: 'mood-title' }, 'A quick check-in'),
      h('p', { id: 'mood-note' }, 'Only the facilitators see your answer. You can skip it if you prefer.'),
      fieldset,
      h('div', { class: 'field' }, h('label', { for: 'mood-word' }, 'One word about how you feel (optional)'), word),
      problem,
      h('div', { class: 'dialog-actions' }, skip, send),
    );
    const opener = focusedNow();
    skip.addEventListener('click', () => {
      rememberDone(event.id); // skipped: not asked again in this tab
      dialog.close();
    });
    send.addEventListener('click', () => {
      const chosen = radios.find((r) => r.checked);
      if (!chosen) {
        problem.textContent = event.scale === 'faces' ? 'Choose a face, or skip.' : 'Choose a number, or skip.';
        problem.hidden = false;
        radios[0]?.focus();
        return;
      }
      void this.answer(event.id, dialog, Number(chosen.value), word.value.trim(), problem, send);
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (this.dialog === dialog) this.dialog = null;
      giveFocusBack(opener);
    });
    document.body.appendChild(dialog);
    this.dialog = dialog;
    dialog.showModal();
    radios[0]?.focus();
  }

  private async answer(
    checkId: string,
    dialog: HTMLDialogElement,
    value: number,
    word: string,
    problem: HTMLElement,
    send: HTMLButtonElement,
  ): Promise<void> {
    send.disabled = true;
    const ack = await this.request('mood.answer', word ? { value, word } : { value });
    send.disabled = false;
    if (!ack.ok) {
      problem.textContent = ack.error.message;
      problem.hidden = false;
      return;
    }
    rememberDone(checkId);
    dialog.close();
    this.view.notify('Thank you. Your answer went to the facilitators only.');
  }

  /** The facilitator ended the check-in. */
  closed(event: MoodClosed): void {
    if (this.early?.id === event.id) this.early = null;
    if (event.id !== this.checkId || !this.dialog) return;
    this.dialog.close();
    this.view.notify('The check-in has ended.');
  }

  destroy(): void {
    this.dialog?.close();
  }
}

// ---- the facilitator's section (in the Engagement panel) ------------------------------------
export class MoodSection {
  readonly el: HTMLElement;
  private readonly question: HTMLInputElement;
  private readonly scales: HTMLInputElement[];
  private readonly startBox: HTMLElement;
  private readonly runningBox: HTMLElement;
  private readonly asked: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly answers: HTMLUListElement;
  private readonly endButton: HTMLButtonElement;
  private view: MoodView | null = null;

  constructor(
    private readonly request: RequestFn,
    private readonly feedback: Feedback,
  ) {
    this.question = h('input', { type: 'text', id: 'mood-question', maxlength: '200', value: DEFAULT_QUESTION, autocomplete: 'off' });
    this.scales = (['ten', 'faces'] as const).map((scale) =>
      h('input', { type: 'radio', name: 'mood-start-scale', value: scale, checked: scale === 'ten' }),
    );
    const start = h('button', { type: 'button', class: 'button small primary' }, 'Start mood check-in');
    start.addEventListener('click', () => void this.start());
    this.startBox = h(
      'div',
      { class: 'mood-start' },
      h('div', { class: 'field' }, h('label', { for: 'mood-question' }, 'Question'), this.question),
      h(
        'fieldset',
        { class: 'mood-start-scale' },
        h('legend', {}, 'Answers'),
        h('label', { class: 'check' }, this.scales[0], h('span', {}, 'Numbers from 1 to 10')),
        h('label', { class: 'check' }, this.scales[1], h('span', {}, 'Five faces')),
      ),
      h('div', { class: 'section-actions' }, start),
    );
    this.asked = h('p', { class: 'mood-asked' });
    this.summary = h('p', { class: 'mood-summary' });
    this.answers = h('ul', { class: 'mood-answers', 'aria-label': 'Answers' });
    this.endButton = h('button', { type: 'button', class: 'button small secondary' }, 'End mood check-in');
    this.endButton.addEventListener('click', () => void this.end());
    this.runningBox = h('div', { class: 'mood-running', hidden: true }, this.asked, this.summary, this.answers, h('div', { class: 'section-actions' }, this.endButton));
    this.el = h(
      'section',
      { class: 'panel-section', 'aria-labelledby': 'eng-mood' },
      h('h3', { id: 'eng-mood', tabindex: '-1' }, 'Mood check-in'),
      h('p', { class: 'hint' }, 'Participants answer privately; only facilitators see the answers.'),
      this.runningBox,
      this.startBox,
    );
  }

  /** No longer a facilitator: nothing of the answers stays on this page. */
  forget(): void {
    this.view = null;
    this.runningBox.hidden = true;
    this.startBox.hidden = false;
    this.asked.textContent = '';
    this.summary.textContent = '';
    this.answers.replaceChildren();
  }

  update(view: MoodView | null | undefined): void {
    if (!view) return;
    this.view = view;
    const check = view.check;
    this.runningBox.hidden = !check;
    this.startBox.hidden = Boolean(check?.open);
    this.endButton.hidden = !check?.open;
    if (!check) return;
    this.asked.textContent = `${check.open ? 'Asked' : 'Last asked (ended)'}: “${check.question}”`;
    const s = view.summary;
    const top = check.scale === 'faces' ? 5 : 10;
    const parts = [`${s?.count ?? 0} of ${s?.asked ?? 0} answered.`];
    if (s?.average !== null && s?.average !== undefined) parts.push(`Average ${s.average} out of ${top}.`);
    const names = new Map(view.answers.map((a) => [a.participant_id, a.name]));
    if (s?.low.length) parts.push(`Low: ${s.low.map((id) => names.get(id) ?? 'someone').join(', ')}.`);
    this.summary.textContent = parts.join(' ');
    clear(this.answers);
    for (const a of view.answers) {
      const low = s?.low.includes(a.participant_id);
      this.answers.append(
        h(
          'li',
          { class: low ? 'mood-answer low' : 'mood-answer' },
          h('span', { class: 'mood-name' }, a.name),
          ` ${moodWords(a.value, check.scale)}`,
          a.word ? h('span', { class: 'mood-word' }, ` “${a.word}”`) : null,
        ),
      );
    }
  }

  private async start(): Promise<void> {
    const scale = (this.scales.find((s) => s.checked)?.value ?? 'ten') as MoodScale;
    const question = this.question.value.trim() || DEFAULT_QUESTION;
    const ack = await this.request('mood.start', { scale, question });
    this.feedback.report(ack, 'The check-in was sent to the participants.', 'The check-in was not started.');
  }

  private async end(): Promise<void> {
    const ack = await this.request('mood.end', {});
    this.feedback.report(ack, 'The check-in has ended.', 'The check-in was not ended.');
    if (ack.ok && this.view?.check) this.startBox.querySelector<HTMLElement>('input')?.focus();
  }
}
