// Drawing elements as SVG: the board on screen and the exported file are the same markup.
// Only presentation attributes, never inline styles (the page's CSP forbids them).

import { getStroke } from 'perfect-freehand';
import type { BoardElement, BoardPoint } from '../protocol';

export const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
export const TEXT_SIZE = 36;
export const NOTE_TEXT_SIZE = 28;
export const NOTE_PADDING = 16;
/** A rough average glyph width, as a share of the font size, for wrapping. */
const GLYPH = 0.55;
const LINE_HEIGHT = 1.3;

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Words wrapped into lines of at most `chars` characters (long words are cut). */
export function wrapText(text: string, chars: number): string[] {
  const max = Math.max(1, Math.floor(chars));
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (word.length > max) {
        if (line) lines.push(line);
        lines.push(word.slice(0, max));
        word = word.slice(max);
        line = '';
      }
      if (!word) continue;
      if (!line) line = word;
      else if (line.length + 1 + word.length <= max) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** The size a text element needs for its words (one line per written line, up to 800 wide). */
export function textSize(text: string): { w: number; h: number } {
  const longest = Math.max(1, ...text.split('\n').map((l) => l.length));
  const w = Math.min(800, Math.ceil(longest * TEXT_SIZE * GLYPH) + 8);
  const lines = wrapText(text, (w - 8) / (TEXT_SIZE * GLYPH)).length;
  return { w, h: Math.ceil(lines * TEXT_SIZE * LINE_HEIGHT) + 8 };
}

const strokePaths = new WeakMap<BoardPoint[], Map<string, string>>();

/** The outline of a freehand stroke (perfect-freehand), as path data; cached per points. */
function strokePath(points: BoardPoint[], width: number): string {
  let byWidth = strokePaths.get(points);
  if (!byWidth) strokePaths.set(points, (byWidth = new Map()));
  const key = String(width);
  const cached = byWidth.get(key);
  if (cached !== undefined) return cached;
  // Mouse and touch report a flat 0.5: let speed thin the line instead, as pens do with pressure.
  const flat = points.every((p) => p[2] === 0.5 || p[2] === 0);
  const outline = getStroke(points, {
    size: width,
    thinning: 0.5,
    smoothing: 0.5,
    streamline: 0.4,
    simulatePressure: flat,
    last: true,
  });
  const d = outlinePath(outline);
  byWidth.set(key, d);
  return d;
}

/** A closed, smooth path through outline points (quadratic curves between midpoints). */
function outlinePath(outline: number[][]): string {
  if (outline.length < 2) return '';
  const f = (n: number): string => n.toFixed(2);
  const [first] = outline;
  const parts = [`M${f(first[0])},${f(first[1])}Q`];
  for (let i = 0; i < outline.length; i++) {
    const [x0, y0] = outline[i];
    const [x1, y1] = outline[(i + 1) % outline.length];
    parts.push(`${f(x0)},${f(y0)} ${f((x0 + x1) / 2)},${f((y0 + y1) / 2)} `);
  }
  parts.push('Z');
  return parts.join('');
}

function textLines(
  parent: SVGElement,
  text: string,
  x: number,
  y: number,
  width: number,
  size: number,
  color: string,
): void {
  const node = svg('text', { x, y, 'font-family': FONT, 'font-size': size, fill: color });
  wrapText(text, width / (size * GLYPH)).forEach((line, i) => {
    const span = svg('tspan', { x, y: y + size + i * size * LINE_HEIGHT - size * 0.2 });
    span.textContent = line;
    node.appendChild(span);
  });
  parent.appendChild(node);
}

/** The SVG for one element: a group carrying data-id and data-kind. */
export function renderElement(el: BoardElement): SVGGElement {
  const g = svg('g', { 'data-id': el.id, 'data-kind': el.kind });
  const stroke = { stroke: el.color, 'stroke-width': el.width, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' };
  switch (el.kind) {
    case 'stroke':
      g.setAttribute('transform', `translate(${el.x} ${el.y})`);
      const d = strokePath(el.points, el.width);
      // An invisible margin around the ink makes a thin stroke easy to pick up.
      g.appendChild(svg('path', { d, fill: el.color, stroke: 'transparent', 'stroke-width': 12 }));
      break;
    case 'line':
    case 'arrow': {
      const [a, b] = el.points.length === 2 ? el.points : [[0, 0, 0.5] as BoardPoint, [0, 0, 0.5] as BoardPoint];
      const x1 = el.x + a[0];
      const y1 = el.y + a[1];
      const x2 = el.x + b[0];
      const y2 = el.y + b[1];
      // A wide invisible line makes a thin one easy to pick up.
      g.appendChild(svg('line', { x1, y1, x2, y2, stroke: 'transparent', 'stroke-width': Math.max(16, el.width + 10) }));
      g.appendChild(svg('line', { x1, y1, x2, y2, ...stroke }));
      if (el.kind === 'arrow') {
        const angle = Math.atan2(y2 - y1, x2 - x1);
        const len = 14 + el.width * 2;
        const wing = (turn: number): string =>
          `${(x2 - len * Math.cos(angle + turn)).toFixed(2)},${(y2 - len * Math.sin(angle + turn)).toFixed(2)}`;
        g.appendChild(svg('path', { d: `M${wing(0.45)} L${x2},${y2} L${wing(-0.45)}`, fill: 'none', ...stroke }));
      }
      break;
    }
    case 'rect':
      // Picked up anywhere inside, not only on its outline.
      g.setAttribute('pointer-events', 'all');
      g.appendChild(svg('rect', { x: el.x, y: el.y, width: el.w, height: el.h, rx: 4, fill: el.fill ?? 'none', ...stroke }));
      break;
    case 'ellipse':
      g.setAttribute('pointer-events', 'all');
      g.appendChild(
        svg('ellipse', {
          cx: el.x + el.w / 2,
          cy: el.y + el.h / 2,
          rx: el.w / 2,
          ry: el.h / 2,
          fill: el.fill ?? 'none',
          ...stroke,
        }),
      );
      break;
    case 'text':
      // A box to pick it up by, invisible.
      g.appendChild(svg('rect', { x: el.x, y: el.y, width: el.w, height: el.h, fill: 'transparent' }));
      textLines(g, el.text, el.x + 4, el.y, el.w - 8, TEXT_SIZE, el.color);
      break;
    case 'note':
      g.appendChild(
        svg('rect', {
          x: el.x,
          y: el.y,
          width: el.w,
          height: el.h,
          rx: 6,
          fill: el.fill ?? '#fff3b0',
          stroke: '#000000',
          'stroke-opacity': 0.2,
          'stroke-width': 1.5,
        }),
      );
      textLines(g, el.text, el.x + NOTE_PADDING, el.y + NOTE_PADDING - 4, el.w - 2 * NOTE_PADDING, NOTE_TEXT_SIZE, el.color);
      break;
  }
  return g;
}

/** An element's box on the board (strokes and lines: around their points, with their ink). */
export function bounds(el: BoardElement): { x: number; y: number; w: number; h: number } {
  if (el.kind === 'stroke' || el.kind === 'line' || el.kind === 'arrow') {
    const xs = el.points.map((p) => p[0]);
    const ys = el.points.map((p) => p[1]);
    const pad = el.width / 2 + 2;
    const minX = Math.min(0, ...xs);
    const minY = Math.min(0, ...ys);
    return {
      x: el.x + minX - pad,
      y: el.y + minY - pad,
      w: Math.max(0, ...xs) - minX + 2 * pad,
      h: Math.max(0, ...ys) - minY + 2 * pad,
    };
  }
  return { x: el.x, y: el.y, w: el.w, h: el.h };
}

/**
 * Keeps a layer of the board in step with a list of elements: an element whose object is
 * unchanged keeps its node (the model replaces objects on every change), others are drawn anew.
 */
export class LayerRenderer {
  private readonly nodes = new Map<string, { el: BoardElement; node: SVGGElement }>();

  constructor(readonly layer: SVGGElement) {}

  draw(elements: BoardElement[]): void {
    const seen = new Set<string>();
    elements.forEach((el, i) => {
      seen.add(el.id);
      let entry = this.nodes.get(el.id);
      if (!entry || entry.el !== el) {
        const node = renderElement(el);
        if (entry) entry.node.replaceWith(node);
        entry = { el, node };
        this.nodes.set(el.id, entry);
      }
      if (this.layer.children[i] !== entry.node) this.layer.insertBefore(entry.node, this.layer.children[i] ?? null);
    });
    for (const [id, entry] of this.nodes) {
      if (!seen.has(id)) {
        entry.node.remove();
        this.nodes.delete(id);
      }
    }
  }
}
