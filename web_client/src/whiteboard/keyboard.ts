// The board from the keyboard (and a screen reader). The board takes focus like any other
// control: Tab goes in and out (focus is never trapped). While it has it:
//   T or N, then Enter (or Space)  add text or a sticky note, in a free spot near the middle
//   ] and [                        pick the next or previous thing, in reading order
//   arrow keys                     move what is picked 10 board units (Shift: 50)
//   Enter, Delete, Escape          edit its words, remove it, let go of it
//   + (or =), - and 0              zoom in, out, and back to the whole board (zoom.ts)
// Why ] and [: Tab is how keyboard users leave the board, so it cannot step through the
// drawing as in Figma or tldraw; the arrows already move (as in tldraw and Excalidraw); ]
// and [ sit side by side, need no modifier and mean nothing else on the board.

import { h } from '../dom';
import { BOARD_HEIGHT, BOARD_WIDTH, type BoardElement, type ElementChanges, type ElementKind } from '../protocol';
import { bounds } from './render';
import { TOOLS } from './toolbar';
import { round2, type Tool } from './tools';

export const NUDGE = 10;
export const NUDGE_FAR = 50;
/** Screen pixels an arrow key scrolls a zoomed-in board (Shift: further). */
const SCROLL = 40;
const SCROLL_FAR = 200;
/** How far apart things added from the keyboard land, so they do not hide each other. */
const SPOT_STEP = 40;

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** The keys, for the help under the board and the board's aria-keyshortcuts. */
const KEYS: Array<{ keys: string; shortcuts: string[]; what: string }> = [
  { keys: 'T or N, then Enter', shortcuts: ['Enter', 'Space'], what: 'add text or a sticky note' },
  { keys: '] and [', shortcuts: [']', '['], what: 'pick the next or previous thing on the board' },
  {
    keys: 'Arrow keys',
    shortcuts: Object.keys(ARROWS).flatMap((k) => [k, `Shift+${k}`]),
    what: 'move what is picked (with Shift, further)',
  },
  { keys: 'Enter', shortcuts: [], what: 'change the words of what is picked' },
  { keys: 'Delete', shortcuts: ['Delete'], what: 'remove what is picked' },
  { keys: 'Escape', shortcuts: ['Escape'], what: 'let go of it' },
  { keys: '+ and -', shortcuts: ['Plus', '=', '-'], what: 'zoom in and out' },
  { keys: '0', shortcuts: ['0'], what: 'show the whole board again' },
  { keys: 'Tab', shortcuts: [], what: 'leave the board' },
];
export const BOARD_SHORTCUTS = KEYS.flatMap((k) => k.shortcuts).join(' ');
export const KEYS_SUMMARY = 'Keys: T or N then Enter adds words, ] and [ pick, arrows move, Enter edits, Delete removes, + and - zoom, 0 shows the whole board.';

/** "Keyboard keys", folded under the board. */
export function keysHelp(): HTMLDetailsElement {
  return h(
    'details',
    { class: 'wb-keys' },
    h('summary', {}, 'Keyboard keys'),
    h('ul', {}, ...KEYS.map((k) => h('li', {}, h('kbd', {}, k.keys), `: ${k.what}`))),
  );
}

/** Reading order: top to bottom, then left to right (by each element's box). */
export function readingOrder(elements: BoardElement[]): BoardElement[] {
  return elements
    .map((el) => ({ el, b: bounds(el) }))
    .sort((p, q) => p.b.y - q.b.y || p.b.x - q.b.x || (p.el.id < q.el.id ? -1 : 1))
    .map((p) => p.el);
}

/** Where an arrow key takes an element: `dx`, `dy` further with its box kept on the board
 * (never pushed further off than it already was); null when it cannot go that way. */
export function nudged(el: BoardElement, dx: number, dy: number): { x: number; y: number } | null {
  const b = bounds(el);
  const along = (d: number, at: number, size: number, limit: number): number =>
    Math.min(Math.max(limit - size, at), Math.max(Math.min(0, at), at + d)) - at;
  const mx = along(dx, b.x, b.w, BOARD_WIDTH);
  const my = along(dy, b.y, b.h, BOARD_HEIGHT);
  return mx || my ? { x: round2(el.x + mx), y: round2(el.y + my) } : null;
}

/** A place for something of `size` added from the keyboard: the middle of the board (of
 * what is in view, when zoomed in), or further down and right where something already
 * starts there. */
export function freeSpot(
  size: { w: number; h: number },
  elements: BoardElement[],
  centre: { x: number; y: number } = { x: BOARD_WIDTH / 2, y: BOARD_HEIGHT / 2 },
): { x: number; y: number } {
  const x0 = centre.x - size.w / 2;
  const y0 = centre.y - size.h / 2;
  const spots = Array.from({ length: 12 }, (_, k) => ({
    x: round2(Math.max(0, Math.min(x0 + k * SPOT_STEP, BOARD_WIDTH - size.w))),
    y: round2(Math.max(0, Math.min(y0 + k * SPOT_STEP, BOARD_HEIGHT - size.h))),
  }));
  const taken = (s: { x: number; y: number }): boolean =>
    elements.some((el) => Math.abs(el.x - s.x) < SPOT_STEP / 2 && Math.abs(el.y - s.y) < SPOT_STEP / 2);
  return spots.find((s) => !taken(s)) ?? spots[0];
}

const KIND_NAMES: Record<ElementKind, string> = {
  stroke: 'Drawing',
  line: 'Line',
  arrow: 'Arrow',
  rect: 'Rectangle',
  ellipse: 'Ellipse',
  text: 'Text',
  note: 'Sticky note',
};

/** What is picked, in words: "Sticky note: Sleep better (2 of 5)", and "by you" for one's
 * own (what one may delete). Never another person's name: the board itself does not show
 * who wrote what, so hearing it must not tell more than seeing it. */
export function describe(el: BoardElement, mine: boolean, place: number, total: number): string {
  const words = el.text.trim().replace(/\s+/g, ' ');
  const shown = words.length > 80 ? `${words.slice(0, 79)}…` : words;
  const what = shown ? `${KIND_NAMES[el.kind]}: ${shown}` : KIND_NAMES[el.kind];
  return `${what}${mine ? (shown ? ', by you' : ' by you') : ''} (${place} of ${total})`;
}

export interface KeyHost {
  /** The board itself (focusable), its panel, and the button that opens it. */
  readonly board: SVGSVGElement;
  readonly panel: HTMLElement;
  readonly toggle: HTMLElement;
  isOpen(): boolean;
  tool(): Tool;
  setTool(tool: Tool): void;
  canDraw(): boolean;
  /** Why this person may not draw now (said once when they try). */
  whyNot(): string;
  /** What is on the board now (own changes on their way included). */
  elements(): BoardElement[];
  selected(): string | null;
  select(id: string | null): void;
  /** Select from the keyboard, and say what it is. */
  pick(id: string): void;
  /** Say what it is, without selecting it (someone who may not draw, reading the board). */
  read(id: string): void;
  update(id: string, changes: ElementChanges): void;
  deleteSelected(): void;
  edit(id: string): void;
  /** Ask for the words of a new text or note, placed in a free spot. */
  write(kind: 'text' | 'note'): void;
  undo(redo: boolean): void;
  /** Zoom: 1 in, -1 out, 0 the whole board (anyone may: it is their own view). */
  zoom(step: 1 | -1 | 0): void;
  /** Zoomed in: scroll the view by this many screen pixels (false at 100%: nothing to). */
  scroll(dx: number, dy: number): boolean;
  say(text: string): void;
}

/** The zoom a key asks for (+ or = in, - out, 0 the whole board), or null. With Ctrl they
 * are the browser's own page zoom, so left alone. */
function zoomKey(e: KeyboardEvent): 1 | -1 | 0 | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === '+' || e.key === '=') return 1;
  if (e.key === '-') return -1;
  return e.key === '0' ? 0 : null;
}

const HINT = 'With the keyboard: T or N, then Enter adds text or a sticky note; ] and [ pick what is on the board.';

export class BoardKeys {
  /** Said why this person may not draw since they last could. */
  private toldWhy = false;
  /** Where someone who may not draw is, reading the board with ] and [. */
  private readingAt: string | null = null;

  constructor(private readonly host: KeyHost) {
    document.addEventListener('keydown', this.onKey);
  }

  /** This person may draw now: the next time they cannot, say why again. */
  mayDraw(): void {
    this.toldWhy = false;
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    const host = this.host;
    if (!host.isOpen() || e.defaultPrevented) return;
    const target = e.target instanceof Element ? e.target : null;
    if (target?.closest('input, textarea, select, [contenteditable], dialog')) return;
    // Only while the keyboard is on the board or its button (or nowhere in particular): a
    // letter or Backspace pressed on the Mute button, the chat or a panel is not for it.
    const onBoard = !target || target === document.body || host.panel.contains(target) || target === host.toggle;
    if (!onBoard) return;
    // Enter and Space press a focused button or open the help: not for the board then.
    const pressing = target?.closest('button, a, summary') != null;
    const zoom = zoomKey(e);
    if (zoom !== null) {
      e.preventDefault();
      host.zoom(zoom);
      return;
    }
    // Zoomed in with nothing picked, the arrows look around the board (for everyone).
    const arrow = ARROWS[e.key];
    const plain = !(e.ctrlKey || e.metaKey || e.altKey);
    if (arrow && plain && target === host.board && !host.selected()) {
      const by = e.shiftKey ? SCROLL_FAR : SCROLL;
      if (host.scroll(arrow[0] * by, arrow[1] * by)) {
        e.preventDefault();
        return;
      }
    }
    const act = this.action(e, pressing, target === host.board);
    if (!act) return;
    e.preventDefault();
    if (host.canDraw()) act();
    else if (e.key === ']' || e.key === '[') this.pick(e.key === ']' ? 1 : -1, false);
    else if (!this.toldWhy) {
      this.toldWhy = true;
      host.say(host.whyNot());
    }
  };

  /** What a key does to the board, or null when it is not for the board. */
  private action(e: KeyboardEvent, pressing: boolean, focused: boolean): (() => void) | null {
    const host = this.host;
    const selected = host.selected();
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    // ] and [ whatever the modifiers: some keyboards need AltGr (Ctrl+Alt) for them.
    if ((e.key === ']' || e.key === '[') && !e.metaKey) return () => this.pick(e.key === ']' ? 1 : -1);
    if (mod && key === 'z') return () => host.undo(e.shiftKey);
    if (mod && key === 'y') return () => host.undo(true);
    if (mod || e.altKey) return null; // Alt+Left is the browser's Back
    const arrow = ARROWS[e.key];
    if (arrow) {
      if (selected) return () => this.move(selected, arrow, e.shiftKey ? NUDGE_FAR : NUDGE);
      return focused ? () => host.say(HINT) : null;
    }
    if (e.key === 'Delete' || e.key === 'Backspace') return selected || focused ? () => host.deleteSelected() : null;
    if (e.key === 'Escape') return selected ? () => host.select(null) : null;
    if ((e.key === 'Enter' || e.key === ' ') && !pressing) {
      const tool = host.tool();
      if (selected) return () => host.edit(selected);
      // Only on the board itself: Space on the page is for scrolling.
      if (focused && (tool === 'text' || tool === 'note')) return () => host.write(tool);
      return focused ? () => host.say(HINT) : null;
    }
    const t = TOOLS.find((x) => x.key.toLowerCase() === key);
    return t ? () => host.setTool(t.tool) : null;
  }

  /** Pick the next (1) or previous (-1) thing in reading order, going round at the ends.
   * Someone who may not draw still reads the board this way (`select` false): each thing
   * is said, nothing is selected. */
  private pick(step: 1 | -1, select = true): void {
    const host = this.host;
    const order = readingOrder(host.elements());
    if (!order.length) {
      host.say('The board is empty.');
      return;
    }
    const current = select ? host.selected() : this.readingAt;
    const at = order.findIndex((el) => el.id === current);
    const next = at < 0 ? (step === 1 ? 0 : order.length - 1) : (at + step + order.length) % order.length;
    if (!select) {
      this.readingAt = order[next].id;
      host.read(order[next].id);
      return;
    }
    if (host.tool() !== 'select') host.setTool('select');
    host.pick(order[next].id);
  }

  /** One update per key press, as a drag sends on release. */
  private move(id: string, [dx, dy]: [number, number], by: number): void {
    const el = this.host.elements().find((x) => x.id === id);
    const to = el ? nudged(el, dx * by, dy * by) : null;
    if (to) this.host.update(id, to);
    else if (el) this.host.say('That is the edge of the board.');
  }

  destroy(): void {
    document.removeEventListener('keydown', this.onKey);
  }
}
