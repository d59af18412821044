// Where the others' pointers are: a small dot with their name, gone after 3 s without a
// move. Volatile: nothing is kept or repeated. Our own position goes out at most ~10 times
// a second (the server drops anything over 15 per second anyway).

import type { WhiteboardCursor } from '../protocol';
import { svg } from './render';

const IDLE_MS = 3000;
const SEND_EVERY_MS = 100;
const CURSOR_COLORS = ['#0b5563', '#8a1c1c', '#5b3c88', '#1d6b3a', '#7a4b00', '#334e68'];

interface Shown {
  g: SVGGElement;
  label: SVGTextElement;
  timer: number;
}

function colorFor(id: string): string {
  let n = 0;
  for (const ch of id) n = (n * 31 + ch.charCodeAt(0)) >>> 0;
  return CURSOR_COLORS[n % CURSOR_COLORS.length];
}

export class Cursors {
  private readonly shown = new Map<string, Shown>();
  private lastSent = 0;
  private trailing = 0;
  private latest: { x: number; y: number } | null = null;

  constructor(
    private readonly layer: SVGGElement,
    private readonly send: (x: number, y: number) => void,
  ) {}

  /** Someone else's pointer moved. */
  show(event: WhiteboardCursor): void {
    let c = this.shown.get(event.participant_id);
    if (!c) {
      const color = colorFor(event.participant_id);
      const g = svg('g', { class: 'wb-cursor', 'data-cursor': event.participant_id, 'aria-hidden': 'true' });
      const label = svg('text', { x: 14, y: 8, 'font-size': 26, fill: color, stroke: '#ffffff', 'stroke-width': 5, 'paint-order': 'stroke' });
      g.append(svg('circle', { r: 9, fill: color, stroke: '#ffffff', 'stroke-width': 2 }), label);
      this.layer.appendChild(g);
      c = { g, label, timer: 0 };
      this.shown.set(event.participant_id, c);
    }
    c.label.textContent = event.name;
    c.g.setAttribute('transform', `translate(${event.x} ${event.y})`);
    window.clearTimeout(c.timer);
    const id = event.participant_id;
    c.timer = window.setTimeout(() => this.hide(id), IDLE_MS);
  }

  hide(id: string): void {
    const c = this.shown.get(id);
    if (!c) return;
    window.clearTimeout(c.timer);
    c.g.remove();
    this.shown.delete(id);
  }

  /** Our own pointer moved: sent now, or with the next slot (the last position wins). */
  moved(x: number, y: number): void {
    this.latest = { x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100 };
    if (this.trailing) return;
    const wait = this.lastSent + SEND_EVERY_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.trailing = window.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.trailing = 0;
    if (!this.latest) return;
    this.lastSent = performance.now();
    this.send(this.latest.x, this.latest.y);
    this.latest = null;
  }

  clear(): void {
    for (const id of [...this.shown.keys()]) this.hide(id);
    window.clearTimeout(this.trailing);
    this.trailing = 0;
    this.latest = null;
  }
}
