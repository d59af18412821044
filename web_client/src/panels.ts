// Side panels (the chat, the facilitator's controls) beside the people on a wide screen,
// and as a drawer over the whole screen on a phone. Each has a toggle button in the
// header; opening one moves the focus to its heading, closing it moves the focus back.

import { h } from './dom';

/** Below this width a panel covers the screen (and only one is open at a time). */
const NARROW = '(max-width: 56rem)';

interface Panel {
  key: string;
  button: HTMLButtonElement;
  badge: HTMLElement;
  section: HTMLElement;
  heading: HTMLElement;
  open: boolean;
  available: boolean;
  onVisible?: (visible: boolean) => void;
}

export interface PanelOptions {
  /** The panel scrolls as a whole (else its content handles scrolling itself). */
  scroll?: boolean;
  onVisible?: (visible: boolean) => void;
}

export class SidePanels {
  /** The toggle buttons, for the header. */
  readonly toggles: HTMLElement;
  /** The panels, beside the people (or over them on a phone). */
  readonly side: HTMLElement;
  private readonly panels = new Map<string, Panel>();
  private readonly narrow: MediaQueryList | null;

  constructor(
    /** What a drawer covers on a phone: made inert while it is open. */
    private readonly covered: () => HTMLElement[],
  ) {
    this.toggles = h('div', { class: 'panel-toggles', role: 'group', 'aria-label': 'Panels' });
    this.side = h('div', { class: 'side', hidden: true });
    this.side.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.isNarrow()) {
        const open = [...this.panels.values()].find((p) => p.open);
        if (open) {
          event.preventDefault();
          this.close(open.key);
        }
      }
    });
    this.narrow = typeof window.matchMedia === 'function' ? window.matchMedia(NARROW) : null;
    this.narrow?.addEventListener('change', this.relayout);
  }

  isNarrow(): boolean {
    return Boolean(this.narrow?.matches);
  }

  add(key: string, title: string, content: HTMLElement, options: PanelOptions = {}): void {
    const headingId = `panel-${key}-title`;
    const sectionId = `panel-${key}`;
    const badge = h('span', { class: 'badge', hidden: true });
    const button = h(
      'button',
      { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-controls': sectionId },
      h('span', {}, title),
      badge,
    );
    const heading = h('h2', { id: headingId, tabindex: '-1' }, title);
    const close = h(
      'button',
      { type: 'button', class: 'button small secondary close' },
      'Close',
      h('span', { class: 'visually-hidden' }, ` ${title.toLowerCase()}`),
    );
    const section = h(
      'section',
      { class: `panel${options.scroll ? ' scroll' : ''}`, id: sectionId, 'aria-labelledby': headingId, hidden: true },
      h('div', { class: 'panel-head' }, heading, close),
      h('div', { class: 'panel-body' }, content),
    );
    const panel: Panel = {
      key,
      button,
      badge,
      section,
      heading,
      open: false,
      available: true,
      onVisible: options.onVisible,
    };
    button.addEventListener('click', () => (panel.open ? this.close(key) : this.open(key)));
    close.addEventListener('click', () => this.close(key));
    this.panels.set(key, panel);
    this.toggles.appendChild(button);
    this.side.appendChild(section);
  }

  /** Words beside the toggle's title ("2 new"), or null for none. */
  setBadge(key: string, text: string | null): void {
    const panel = this.panels.get(key);
    if (!panel) return;
    panel.badge.textContent = text ?? '';
    panel.badge.hidden = !text;
  }

  /** Offer the panel or not (a facilitator's panel follows the person's role). */
  setAvailable(key: string, available: boolean): void {
    const panel = this.panels.get(key);
    if (!panel || panel.available === available) return;
    panel.available = available;
    panel.button.hidden = !available;
    if (!available && panel.open) this.close(key, false);
  }

  isOpen(key: string): boolean {
    return Boolean(this.panels.get(key)?.open);
  }

  open(key: string, focus = true): void {
    const panel = this.panels.get(key);
    if (!panel || !panel.available) return;
    if (this.isNarrow()) {
      for (const other of this.panels.values()) if (other !== panel && other.open) this.close(other.key, false);
    }
    panel.open = true;
    panel.section.hidden = false;
    panel.button.setAttribute('aria-expanded', 'true');
    this.relayout();
    panel.onVisible?.(true);
    if (focus) panel.heading.focus();
  }

  close(key: string, focus = true): void {
    const panel = this.panels.get(key);
    if (!panel || !panel.open) return;
    panel.open = false;
    panel.section.hidden = true;
    panel.button.setAttribute('aria-expanded', 'false');
    this.relayout();
    panel.onVisible?.(false);
    if (focus && panel.available) panel.button.focus();
  }

  private readonly relayout = (): void => {
    const open = [...this.panels.values()].filter((p) => p.open);
    if (this.isNarrow() && open.length > 1) {
      for (const extra of open.slice(1)) this.close(extra.key, false);
    }
    const any = open.length > 0;
    this.side.hidden = !any;
    // On a phone an open panel covers the room: what is under it cannot be reached.
    const drawer = any && this.isNarrow();
    this.side.classList.toggle('drawer', drawer);
    for (const el of this.covered()) el.inert = drawer;
  };

  destroy(): void {
    this.narrow?.removeEventListener('change', this.relayout);
    for (const el of this.covered()) el.inert = false;
  }
}
