// A polite status line saying what an action did, or, in the server's plain words, why it
// was refused. Read by screen readers without taking the focus.

import { h } from './dom';
import type { Ack } from './protocol';

const SHOW_MS = 12_000;

export class Feedback {
  readonly el: HTMLElement;
  private timer = 0;
  private textTimer = 0;

  constructor() {
    this.el = h('p', { class: 'feedback', role: 'status', 'aria-live': 'polite', hidden: true });
  }

  ok(text: string): void {
    this.show(text, false);
  }

  fail(text: string): void {
    this.show(text, true);
  }

  /** Show what an acknowledged request did: `done` on success, `failed` and the server's
   * reason on a refusal. Returns whether it went through. */
  report(ack: Ack<unknown>, done: string, failed: string): boolean {
    if (ack.ok) this.ok(done);
    else this.fail(`${failed} ${ack.error.message}`.trim());
    return ack.ok;
  }

  private show(text: string, problem: boolean): void {
    window.clearTimeout(this.timer);
    window.clearTimeout(this.textTimer);
    this.el.classList.toggle('problem', problem);
    // Cleared first so that the same words are read again when they repeat.
    this.el.textContent = '';
    this.el.hidden = false;
    this.textTimer = window.setTimeout(() => {
      this.el.textContent = text;
    }, 50);
    this.timer = window.setTimeout(() => {
      this.el.hidden = true;
      this.el.textContent = '';
    }, SHOW_MS);
  }

  destroy(): void {
    window.clearTimeout(this.timer);
    window.clearTimeout(this.textTimer);
  }
}
