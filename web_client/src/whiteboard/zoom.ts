// Zoom on the whiteboard, for phones and small screens. At 100% the whole board fits its
// frame; zoomed in, the board grows and the frame scrolls both ways to the rest of it. The
// zoom is this person's own: nothing is sent. Ways in: the Zoom buttons, the keys + = - 0
// (keyboard.ts), Ctrl+wheel over the board, and on touch two fingers (pinch and pan; one
// finger still draws). Drawing needs nothing from here: tools.ts maps the pointer through
// the board's getScreenCTM, which follows the size and the scrolling.

import { h } from '../dom';
import { BOARD_HEIGHT, BOARD_WIDTH } from '../protocol';
import { button } from './toolbar';

export const ZOOM_STEPS = [1, 1.5, 2, 3, 4];
const MOST = ZOOM_STEPS[ZOOM_STEPS.length - 1];
/** How long a wheel or pinch rests before its level is said (not every tick of it). */
const SAY_AFTER_MS = 400;

const ICON_IN = ['M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M15.5 15.5L20 20', 'M8 10.5h5', 'M10.5 8v5'];
const ICON_OUT = ['M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z', 'M15.5 15.5L20 20', 'M8 10.5h5'];
const ICON_FIT = ['M4 9V4h5', 'M15 4h5v5', 'M20 15v5h-5', 'M9 20H4v-5'];

interface Point {
  x: number;
  y: number;
}

/** A board point and the place on the screen (client pixels) it should be at. */
interface Anchor {
  board: Point;
  client: Point;
}

export interface ZoomHost {
  readonly svg: SVGSVGElement;
  /** The board's frame: what scrolls when zoomed in. */
  readonly frame: HTMLElement;
  /** Two fingers came down: drop what the first one began drawing. */
  cancelGesture(): void;
  say(text: string): void;
}

const percent = (level: number): string => `${Math.round(level * 100)}%`;
const middle = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export function zoomWords(level: number): string {
  return level <= 1 ? 'Zoom 100%: the whole board' : `Zoom ${percent(level)}`;
}

export class BoardZoom {
  /** The Zoom buttons, for the toolbar. */
  readonly el: HTMLElement;
  private level = 1;
  /** Pixels per board unit with the whole board shown, and the frame's height then. */
  private fitScale = 0;
  private readonly touches = new Map<number, Point>();
  private pinch: { distance: number; level: number; board: Point } | null = null;
  private sayTimer = 0;
  private readonly resizes: ResizeObserver;
  private panelSize = '';

  constructor(private readonly host: ZoomHost) {
    const zoomIn = button('Zoom in', 'wb-button', () => this.step(1), ICON_IN);
    zoomIn.setAttribute('aria-keyshortcuts', 'Plus =');
    const zoomOut = button('Zoom out', 'wb-button', () => this.step(-1), ICON_OUT);
    zoomOut.setAttribute('aria-keyshortcuts', '-');
    const fit = button('Fit the board', 'wb-button', () => this.step(0), ICON_FIT);
    fit.setAttribute('aria-keyshortcuts', '0');
    this.el = h('div', { class: 'wb-group wb-zoom', role: 'group', 'aria-label': 'Zoom' }, zoomIn, zoomOut, fit);

    host.frame.addEventListener('wheel', this.onWheel, { passive: false });
    const s = host.svg;
    s.addEventListener('pointerdown', this.down);
    s.addEventListener('pointermove', this.move);
    s.addEventListener('pointerup', this.up);
    s.addEventListener('pointercancel', this.up);
    // The screen turned or a panel opened beside: the same zoom of the new fit.
    this.resizes = new ResizeObserver(() => this.refit());
    if (host.frame.parentElement) this.resizes.observe(host.frame.parentElement);
  }

  /** 1: the next step in, -1: the next out, 0: the whole board. Said in the status. */
  step(direction: 1 | -1 | 0): void {
    const next =
      direction === 0
        ? 1
        : direction > 0
          ? ZOOM_STEPS.find((z) => z > this.level + 0.01)
          : [...ZOOM_STEPS].reverse().find((z) => z < this.level - 0.01);
    if (next === undefined) {
      this.host.say(direction > 0 ? `Zoom ${percent(this.level)}: as close as it goes` : zoomWords(1));
      return;
    }
    this.apply(next, this.centre());
    this.sayNow();
  }

  /** Back to the whole board, quietly (a move to another room). */
  reset(): void {
    window.clearTimeout(this.sayTimer);
    this.pinch = null;
    this.touches.clear();
    this.apply(1, this.centre());
  }

  /** The middle of what is in view, in board units, when zoomed in; null at 100%. */
  visibleCentre(): Point | null {
    return this.level > 1 ? this.centre().board : null;
  }

  /** Zoomed in: scroll the view by screen pixels (false at 100%, where all is in view). */
  scroll(dx: number, dy: number): boolean {
    if (this.level <= 1) return false;
    this.host.frame.scrollBy({ left: dx, top: dy });
    return true;
  }

  /** Scroll so this part of the board (board units) is in view, when zoomed in. */
  reveal(box: { x: number; y: number; w: number; h: number }): void {
    if (this.level <= 1) return;
    const view = this.host.frame.getBoundingClientRect();
    const a = this.toScreen({ x: box.x, y: box.y });
    const b = this.toScreen({ x: box.x + box.w, y: box.y + box.h });
    if (a.x >= view.left && a.y >= view.top && b.x <= view.right && b.y <= view.bottom) return;
    this.apply(this.level, { board: { x: box.x + box.w / 2, y: box.y + box.h / 2 }, client: this.frameMiddle() });
  }

  // ---- the geometry ------------------------------------------------------------------------
  private frameMiddle(): Point {
    const r = this.host.frame.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }

  private centre(): Anchor {
    const client = this.frameMiddle();
    return { board: this.toBoard(client), client };
  }

  private toBoard(p: Point): Point {
    const m = this.host.svg.getScreenCTM();
    return m ? new DOMPoint(p.x, p.y).matrixTransform(m.inverse()) : { x: BOARD_WIDTH / 2, y: BOARD_HEIGHT / 2 };
  }

  private toScreen(p: Point): Point {
    const m = this.host.svg.getScreenCTM();
    return m ? new DOMPoint(p.x, p.y).matrixTransform(m) : p;
  }

  /** Show the board at `level` (1 = fit), with `anchor`'s board point at its place. */
  private apply(level: number, anchor: Anchor): void {
    const frame = this.host.frame;
    const to = Math.min(MOST, Math.max(1, level));
    if (to <= 1.001) {
      this.level = 1;
      frame.classList.remove('wb-zoomed');
      for (const p of ['--wb-frame-h', '--wb-zoom-w', '--wb-zoom-h']) frame.style.removeProperty(p);
      return;
    }
    if (this.level <= 1 || !this.fitScale) {
      // Measured with the whole board shown: the zoomed frame keeps that height (so the
      // page does not jump), and the board grows from that size.
      const m = this.host.svg.getScreenCTM();
      const height = frame.getBoundingClientRect().height;
      if (!m || !m.a || !height) return; // not on the screen
      this.fitScale = m.a;
      frame.style.setProperty('--wb-frame-h', `${height}px`);
    }
    this.level = to;
    frame.style.setProperty('--wb-zoom-w', `${BOARD_WIDTH * this.fitScale * to}px`);
    frame.style.setProperty('--wb-zoom-h', `${BOARD_HEIGHT * this.fitScale * to}px`);
    frame.classList.add('wb-zoomed');
    const at = this.toScreen(anchor.board);
    frame.scrollLeft += at.x - anchor.client.x;
    frame.scrollTop += at.y - anchor.client.y;
  }

  /** The frame's room changed size: measure the fit again, same level, same middle. */
  private refit(): void {
    const panel = this.host.frame.parentElement;
    // Closed (no size): kept as it was for when the board is opened again.
    if (!panel?.clientWidth) return;
    const size = `${panel.clientWidth}x${panel.clientHeight}`;
    if (size === this.panelSize) return;
    this.panelSize = size;
    if (this.level <= 1) return;
    const level = this.level;
    const anchor = this.centre();
    this.apply(1, anchor);
    this.apply(level, anchor);
  }

  // ---- saying the level ----------------------------------------------------------------------
  private sayNow(): void {
    window.clearTimeout(this.sayTimer);
    this.host.say(zoomWords(this.level));
  }

  private sayLater(): void {
    window.clearTimeout(this.sayTimer);
    this.sayTimer = window.setTimeout(() => this.sayNow(), SAY_AFTER_MS);
  }

  // ---- Ctrl+wheel and two fingers -------------------------------------------------------------
  private readonly onWheel = (e: WheelEvent): void => {
    if (!e.ctrlKey) return; // a plain wheel scrolls the frame
    // At 100%, zooming out is the browser's page zoom (someone who needs larger or smaller
    // text keeps Ctrl+wheel over the board).
    if (this.level <= 1 && e.deltaY > 0) return;
    e.preventDefault(); // the page itself does not zoom
    const lines = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? 400 : 1;
    const client = { x: e.clientX, y: e.clientY };
    this.apply(this.level * Math.exp((-e.deltaY * lines) / 300), { board: this.toBoard(client), client });
    this.sayLater();
  };

  private readonly down = (e: PointerEvent): void => {
    if (e.pointerType !== 'touch') return;
    // The first finger down: no other is on the screen, whatever a lost lift left behind.
    if (e.isPrimary) this.touches.clear();
    this.touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.touches.size !== 2) return;
    this.host.cancelGesture();
    const [a, b] = [...this.touches.values()];
    this.pinch = { distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), level: this.level, board: this.toBoard(middle(a, b)) };
    // Both fingers stay with the board wherever they go.
    for (const id of this.touches.keys()) {
      try {
        this.host.svg.setPointerCapture(id);
      } catch {
        // already lifted
      }
    }
  };

  private readonly move = (e: PointerEvent): void => {
    if (!this.touches.has(e.pointerId)) return;
    this.touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const pinch = this.pinch;
    if (!pinch || this.touches.size < 2) return;
    const [a, b] = [...this.touches.values()];
    // The board point first between the fingers stays between them: spreading zooms,
    // moving both pans.
    const level = (pinch.level * Math.hypot(a.x - b.x, a.y - b.y)) / pinch.distance;
    this.apply(level, { board: pinch.board, client: middle(a, b) });
  };

  private readonly up = (e: PointerEvent): void => {
    if (!this.touches.delete(e.pointerId)) return;
    if (this.pinch && this.touches.size < 2) {
      this.pinch = null;
      this.sayNow();
    }
  };

  destroy(): void {
    window.clearTimeout(this.sayTimer);
    this.resizes.disconnect();
    this.host.frame.removeEventListener('wheel', this.onWheel);
    const s = this.host.svg;
    s.removeEventListener('pointerdown', this.down);
    s.removeEventListener('pointermove', this.move);
    s.removeEventListener('pointerup', this.up);
    s.removeEventListener('pointercancel', this.up);
  }
}
