// Drawing with mouse, touch and pen (Pointer Events, with pressure): what each tool does
// from pointer-down to pointer-up. A stroke is sent once, on pen-up; a shape on release;
// a move or resize on release. Everything here is in board units (1600 x 1000).

import {
  BOARD_HEIGHT,
  BOARD_WIDTH,
  MAX_STROKE_POINTS,
  type BoardElement,
  type BoardPoint,
  type ElementChanges,
  type ElementKind,
  type NewElement,
} from '../protocol';

export type Tool = 'pen' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'note' | 'select';

export const PEN_WIDTH = 8;
export const SHAPE_WIDTH = 5;
/** Smaller than this (board units), a shape is a slip of the hand, not a shape. */
const MIN_SHAPE = 4;
const MIN_SIZE = 12;
const DOUBLE_PRESS_MS = 500;

export interface ToolHost {
  readonly svg: SVGSVGElement;
  tool(): Tool;
  color(): string;
  canDraw(): boolean;
  element(id: string): BoardElement | undefined;
  selected(): string | null;
  select(id: string | null): void;
  /** Show an element being drawn, moved or resized (null: none). */
  draft(el: BoardElement | null): void;
  /** A new element, without its id (the host names it). */
  add(el: Omit<NewElement, 'id'>): void;
  update(id: string, changes: ElementChanges): void;
  /** Ask for the words of a new text or note at this point. */
  write(kind: 'text' | 'note', x: number, y: number): void;
  /** Change the words of a text or note. */
  edit(id: string): void;
  /** Where this person's pointer is (for the others' view). */
  cursor(x: number, y: number): void;
}

export const round2 = (v: number): number => Math.round(v * 100) / 100;
const clampX = (x: number): number => Math.min(BOARD_WIDTH, Math.max(0, x));
const clampY = (y: number): number => Math.min(BOARD_HEIGHT, Math.max(0, y));

/** Absolute stroke points as an element's origin and relative points: at most the server's
 * limit (every other point dropped while too many), rounded to 2 decimals. */
export function strokeGeometry(absolute: BoardPoint[]): { x: number; y: number; points: BoardPoint[] } {
  let pts = absolute;
  while (pts.length > MAX_STROKE_POINTS) {
    const last = pts[pts.length - 1];
    pts = pts.filter((_, i) => i % 2 === 0);
    if (pts[pts.length - 1] !== last) pts.push(last);
  }
  const x = round2(Math.min(...pts.map((p) => p[0])));
  const y = round2(Math.min(...pts.map((p) => p[1])));
  return { x, y, points: pts.map(([px, py, p]) => [round2(px - x), round2(py - y), round2(p)]) };
}

type Gesture =
  | { kind: 'stroke'; points: BoardPoint[] }
  | { kind: 'line' | 'arrow'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'rect' | 'ellipse'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'write'; tool: 'text' | 'note'; x: number; y: number }
  | { kind: 'move'; el: BoardElement; x0: number; y0: number; dx: number; dy: number }
  | { kind: 'resize'; el: BoardElement; x0: number; y0: number; dx: number; dy: number };

function blank(kind: ElementKind, color: string): BoardElement {
  return {
    id: '__draft__',
    kind,
    x: 0,
    y: 0,
    w: 0,
    h: 0,
    points: [],
    color,
    fill: null,
    width: kind === 'stroke' ? PEN_WIDTH : SHAPE_WIDTH,
    text: '',
    author: '',
    version: 0,
    deleted: false,
  };
}

/** The element a resize makes, `dx`/`dy` being how far the handle moved. */
export function resized(el: BoardElement, dx: number, dy: number): ElementChanges {
  if (el.kind === 'line' || el.kind === 'arrow') {
    const [a, b] = el.points;
    return { points: [a, [round2(b[0] + dx), round2(b[1] + dy), b[2]]] };
  }
  if (el.kind === 'stroke') {
    const w = Math.max(1, ...el.points.map((p) => p[0]));
    const h = Math.max(1, ...el.points.map((p) => p[1]));
    const sx = Math.max(MIN_SIZE, w + dx) / w;
    const sy = Math.max(MIN_SIZE, h + dy) / h;
    return { points: el.points.map(([x, y, p]) => [round2(x * sx), round2(y * sy), p]) };
  }
  return { w: round2(Math.max(MIN_SIZE, el.w + dx)), h: round2(Math.max(MIN_SIZE, el.h + dy)) };
}

function shapeBox(g: { x0: number; y0: number; x1: number; y1: number }): { x: number; y: number; w: number; h: number } {
  return {
    x: round2(Math.min(g.x0, g.x1)),
    y: round2(Math.min(g.y0, g.y1)),
    w: round2(Math.abs(g.x1 - g.x0)),
    h: round2(Math.abs(g.y1 - g.y0)),
  };
}

export class PointerTools {
  private gesture: Gesture | null = null;
  private pointerId: number | null = null;
  private lastPress: { id: string; at: number } | null = null;

  constructor(private readonly host: ToolHost) {
    const s = host.svg;
    s.addEventListener('pointerdown', this.down);
    s.addEventListener('pointermove', this.move);
    s.addEventListener('pointerup', this.up);
    s.addEventListener('pointercancel', this.cancel);
  }

  /** Board coordinates of a pointer event, kept on the board. */
  private at(e: PointerEvent | MouseEvent): { x: number; y: number } {
    const m = this.host.svg.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: clampX(p.x), y: clampY(p.y) };
  }

  private pressure(e: PointerEvent): number {
    // A mouse reports 0.5 while pressed; a pen its real pressure.
    return round2(e.pointerType === 'pen' ? Math.max(0.05, e.pressure) : 0.5);
  }

  private readonly down = (e: PointerEvent): void => {
    if (!e.isPrimary || this.gesture || (e.pointerType === 'mouse' && e.button !== 0)) return;
    if (!this.host.canDraw()) return;
    const { x, y } = this.at(e);
    const tool = this.host.tool();
    let gesture: Gesture | null = null;
    switch (tool) {
      case 'pen':
        gesture = { kind: 'stroke', points: [[x, y, this.pressure(e)]] };
        break;
      case 'line':
      case 'arrow':
        gesture = { kind: tool, x0: x, y0: y, x1: x, y1: y };
        break;
      case 'rect':
      case 'ellipse':
        gesture = { kind: tool, x0: x, y0: y, x1: x, y1: y };
        break;
      case 'text':
      case 'note':
        gesture = { kind: 'write', tool, x, y };
        break;
      case 'select': {
        const target = e.target instanceof Element ? e.target : null;
        const selected = this.host.selected();
        const selectedEl = selected ? this.host.element(selected) : undefined;
        if (target?.closest('[data-handle]') && selectedEl) {
          gesture = { kind: 'resize', el: selectedEl, x0: x, y0: y, dx: 0, dy: 0 };
          break;
        }
        const id = target?.closest('[data-id]')?.getAttribute('data-id') ?? null;
        const el = id ? this.host.element(id) : undefined;
        this.host.select(el ? el.id : null);
        // A second press on the same words (a double click or tap) edits them.
        const last = this.lastPress;
        this.lastPress = el ? { id: el.id, at: e.timeStamp } : null;
        if (el && last?.id === el.id && e.timeStamp - last.at < DOUBLE_PRESS_MS && (el.kind === 'text' || el.kind === 'note')) {
          this.lastPress = null;
          e.preventDefault();
          this.host.edit(el.id);
          return;
        }
        if (el) gesture = { kind: 'move', el, x0: x, y0: y, dx: 0, dy: 0 };
        break;
      }
    }
    if (!gesture) return;
    e.preventDefault();
    this.gesture = gesture;
    this.pointerId = e.pointerId;
    this.host.svg.setPointerCapture(e.pointerId);
    this.preview();
  };

  private readonly move = (e: PointerEvent): void => {
    const { x, y } = this.at(e);
    if (e.isPrimary) this.host.cursor(x, y);
    const g = this.gesture;
    if (!g || e.pointerId !== this.pointerId) return;
    switch (g.kind) {
      case 'stroke': {
        // Every sample the device gave since the last event, for smooth curves.
        const samples = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const s of samples.length ? samples : [e]) {
          const p = this.at(s);
          const last = g.points[g.points.length - 1];
          if (Math.hypot(p.x - last[0], p.y - last[1]) >= 1) g.points.push([p.x, p.y, this.pressure(s)]);
        }
        break;
      }
      case 'line':
      case 'arrow':
      case 'rect':
      case 'ellipse':
        g.x1 = x;
        g.y1 = y;
        break;
      case 'move':
      case 'resize':
        g.dx = x - g.x0;
        g.dy = y - g.y0;
        break;
      case 'write':
        return;
    }
    this.preview();
  };

  /** The element the gesture would make now, or null. */
  private result(): BoardElement | null {
    const g = this.gesture;
    if (!g) return null;
    const color = this.host.color();
    switch (g.kind) {
      case 'stroke': {
        const el = blank('stroke', color);
        return { ...el, ...strokeGeometry(g.points) };
      }
      case 'line':
      case 'arrow': {
        if (Math.hypot(g.x1 - g.x0, g.y1 - g.y0) < MIN_SHAPE) return null;
        const el = blank(g.kind, color);
        const x = round2(g.x0);
        const y = round2(g.y0);
        return { ...el, x, y, points: [[0, 0, 0.5], [round2(g.x1 - x), round2(g.y1 - y), 0.5]] };
      }
      case 'rect':
      case 'ellipse': {
        const box = shapeBox(g);
        if (box.w < MIN_SHAPE || box.h < MIN_SHAPE) return null;
        return { ...blank(g.kind, color), ...box };
      }
      case 'move':
        return { ...g.el, x: round2(g.el.x + g.dx), y: round2(g.el.y + g.dy) };
      case 'resize':
        return { ...g.el, ...resized(g.el, g.dx, g.dy) };
      case 'write':
        return null;
    }
  }

  private preview(): void {
    this.host.draft(this.result());
  }

  private readonly up = (e: PointerEvent): void => {
    const g = this.gesture;
    if (!g || e.pointerId !== this.pointerId) return;
    if (g.kind === 'stroke' || g.kind === 'move' || g.kind === 'resize') this.move(e);
    const el = this.result();
    this.end();
    switch (g.kind) {
      case 'write':
        this.host.write(g.tool, round2(g.x), round2(g.y));
        break;
      case 'move':
        if (el && (el.x !== g.el.x || el.y !== g.el.y)) this.host.update(g.el.id, { x: el.x, y: el.y });
        break;
      case 'resize':
        if (g.dx || g.dy) this.host.update(g.el.id, resized(g.el, g.dx, g.dy));
        break;
      default:
        if (el) {
          const { id: _draft, author: _a, version: _v, deleted: _d, ...element } = el;
          this.host.add(element);
        }
    }
  };

  private readonly cancel = (e: PointerEvent): void => {
    if (e.pointerId === this.pointerId) this.end();
  };

  /** Drop a gesture under way (this person may no longer draw). */
  stop(): void {
    if (this.gesture) this.end();
  }

  private end(): void {
    if (this.pointerId !== null && this.host.svg.hasPointerCapture(this.pointerId)) {
      this.host.svg.releasePointerCapture(this.pointerId);
    }
    this.gesture = null;
    this.pointerId = null;
    this.host.draft(null);
  }

  destroy(): void {
    this.end();
    const s = this.host.svg;
    s.removeEventListener('pointerdown', this.down);
    s.removeEventListener('pointermove', this.move);
    s.removeEventListener('pointerup', this.up);
    s.removeEventListener('pointercancel', this.cancel);
  }
}
