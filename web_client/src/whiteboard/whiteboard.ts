// The shared whiteboard of the room you are in: a panel beside the people (instead of them
// on a phone), opened with the "Whiteboard" button in your controls.
//
// The server orders every change (seq) and keeps the board; this client draws its own
// changes at once and replaces them by the server's echo (model.ts), keeps in step
// (sync.ts), and exposes the board's state hash as `data-board-hash` for comparisons.

import type { Socket } from 'socket.io-client';
import { openDialog } from '../dialog';
import { h, icon } from '../dom';
import {
  BOARD_COLORS,
  BOARD_HEIGHT,
  BOARD_WIDTH,
  MAX_BOARD_TEXT,
  NOTE_FILLS,
  isFacilitator,
  type Ack,
  type BoardElement,
  type BoardOp,
  type BoardSettings,
  type ElementChanges,
  type NewElement,
  type PublicParticipant,
  type RequestName,
  type Requests,
  type Role,
  type WhiteboardApplied,
  type WhiteboardCursors,
  type WhiteboardSettingsEvent,
} from '../protocol';
import { Cursors } from './cursors';
import { savePng, saveSvg } from './export';
import { boardHash } from './hash';
import { BOARD_SHORTCUTS, BoardKeys, KEYS_SUMMARY, describe, freeSpot, keysHelp, readingOrder } from './keyboard';
import { BoardModel } from './model';
import { LayerRenderer, bounds, svg, textSize } from './render';
import { BoardSync } from './sync';
import { Toolbar } from './toolbar';
import { PointerTools, SHAPE_WIDTH, round2, type Tool } from './tools';
import { BoardZoom } from './zoom';

export const WATCH_ONLY = 'The facilitator is drawing; you can watch.';
/** Said once when someone who may not draw presses the board's keys. */
const LOCKED_OUT = 'Only the facilitator can draw now; you can watch.';
const OBSERVING = 'Observers watch the board; they do not draw.';
const NOTE_SIZE = { w: 280, h: 220 };
/** A sticky note's background follows the ink colour chosen. */
const NOTE_FILL: Record<string, string> = { '#c0392b': NOTE_FILLS[3], '#1e6fd9': NOTE_FILLS[2], '#2e8540': NOTE_FILLS[1] };

export interface WhiteboardHost {
  socket: Socket;
  request<N extends RequestName>(name: N, payload: Requests[N]['request']): Promise<Ack<Requests[N]['ack']>>;
  selfId(): string | null;
  role(): Role | string;
  participants(): Map<string, PublicParticipant>;
  /** The board was opened or closed (the room's layout follows). */
  shown(open: boolean): void;
  announce(text: string): void;
}

const ICON_BOARD = ['M3 4h18v12H3z', 'M8 20l4-4 4 4', 'M7 12l3-3 3 2 4-4'];

export class Whiteboard {
  /** The panel (the board and its toolbar). */
  readonly el: HTMLElement;
  /** The "Whiteboard" button for the room's controls. */
  readonly toggle: HTMLButtonElement;
  private readonly svgEl: SVGSVGElement;
  private readonly elementsLayer: SVGGElement;
  private readonly selectionLayer: SVGGElement;
  private readonly renderer: LayerRenderer;
  private readonly toolbar: Toolbar;
  private readonly watchNote: HTMLElement;
  private readonly status: HTMLElement;
  /** What is on the board, in words: the board's description. */
  private readonly contents: HTMLElement;
  private readonly model = new BoardModel();
  private readonly sync: BoardSync;
  private readonly cursors: Cursors;
  private readonly tools: PointerTools;
  private readonly keys: BoardKeys;
  private readonly zoom: BoardZoom;
  private settings: BoardSettings = { mode: 'open', drawers: [] };
  private open = false;
  private tool: Tool = 'pen';
  private color: string = BOARD_COLORS[0];
  private selected: string | null = null;
  private draft: BoardElement | null = null;
  private counter = 0;
  private hashRun = 0;
  private statusTimer = 0;

  constructor(private readonly host: WhiteboardHost) {
    this.toggle = h('button', { type: 'button', class: 'control wb-toggle', 'aria-pressed': 'false', 'aria-label': 'Whiteboard' });
    // A phone shows the short word; the name stays the full one.
    this.toggle.append(
      icon(ICON_BOARD),
      h('span', { class: 'label-long', 'aria-hidden': 'true' }, 'Whiteboard'),
      h('span', { class: 'label-short', 'aria-hidden': 'true' }, 'Board'),
    );
    this.toggle.addEventListener('click', () => this.setOpen(!this.open));
    this.toggle.hidden = true; // until in the room

    this.svgEl = svg('svg', {
      class: 'wb-board',
      viewBox: `0 0 ${BOARD_WIDTH} ${BOARD_HEIGHT}`,
      preserveAspectRatio: 'xMidYMid meet',
      // Focusable, and an application: a screen reader passes the board's keys through.
      role: 'application',
      tabindex: 0,
      // A name that stays put (a screen reader re-reads a focused element whose name
      // changes, so not on every stroke); what is on it is in the description.
      'aria-label': 'Whiteboard',
      'aria-describedby': 'wb-contents wb-keys-summary',
      'aria-keyshortcuts': BOARD_SHORTCUTS,
    });
    this.svgEl.appendChild(svg('rect', { class: 'wb-sheet', x: 0, y: 0, width: BOARD_WIDTH, height: BOARD_HEIGHT, fill: '#ffffff' }));
    this.elementsLayer = svg('g', { class: 'wb-elements' });
    this.selectionLayer = svg('g', { class: 'wb-selection' });
    const cursorLayer = svg('g', { class: 'wb-cursors' });
    this.svgEl.append(this.elementsLayer, this.selectionLayer, cursorLayer);
    this.renderer = new LayerRenderer(this.elementsLayer);

    this.toolbar = new Toolbar({
      tool: (t) => this.setTool(t),
      color: (c) => this.setColor(c),
      undo: () => void this.undo('whiteboard.undo'),
      redo: () => void this.undo('whiteboard.redo'),
      deleteSelected: () => this.deleteSelected(),
      clear: () => void this.clearBoard(),
      savePng: () => void this.savePng(),
      saveSvg: () => saveSvg(this.elementsLayer, this.filename('svg')),
      lock: (locked) => void this.configure(locked ? 'locked' : 'open', this.settings.drawers),
      allow: (id, may) => {
        const drawers = this.settings.drawers.filter((d) => d !== id);
        if (may) drawers.push(id);
        void this.configure(this.settings.mode, drawers);
      },
    });
    this.watchNote = h('p', { class: 'notice info wb-watch', hidden: true }, WATCH_ONLY);
    this.status = h('p', { class: 'wb-status', role: 'status', 'aria-live': 'polite' });
    const heading = h('h2', { id: 'wb-title', class: 'visually-hidden', tabindex: '-1' }, 'Whiteboard');
    this.contents = h('p', { id: 'wb-contents', class: 'visually-hidden' }, 'Empty.');
    const frame = h('div', { class: 'wb-frame' }, this.svgEl);
    this.el = h(
      'section',
      { class: 'whiteboard', 'aria-labelledby': 'wb-title', hidden: true },
      heading,
      this.toolbar.el,
      this.watchNote,
      frame,
      this.status,
      this.contents,
      h('p', { id: 'wb-keys-summary', class: 'visually-hidden' }, KEYS_SUMMARY),
      this.toolbar.footer,
    );
    this.toolbar.footer.appendChild(keysHelp());

    this.sync = new BoardSync(this.model, (since) => this.host.request('whiteboard.sync', { since }), {
      changed: () => this.changed(),
      settings: (s) => this.setSettings(s),
    });
    this.cursors = new Cursors(cursorLayer, (x, y) => {
      // Only those who may draw show a pointer (the server takes it from nobody else).
      if (this.open && this.canDraw() && this.host.socket.connected) {
        this.host.socket.emit('whiteboard.cursor', { x, y, room: this.sync.room ?? undefined });
      }
    });
    this.tools = new PointerTools({
      svg: this.svgEl,
      tool: () => this.tool,
      color: () => this.color,
      canDraw: () => this.canDraw(),
      element: (id) => this.model.get(id),
      selected: () => this.selected,
      select: (id) => this.select(id),
      draft: (el) => {
        this.draft = el;
        this.redraw();
      },
      add: (el) => this.add(el),
      update: (id, changes) => this.update(id, changes),
      write: (kind, x, y) => void this.write(kind, { x, y }),
      edit: (id) => void this.editText(id),
      cursor: (x, y) => this.cursors.moved(x, y),
    });
    // Each person's own zoom (phones): the frame scrolls over a bigger board.
    this.zoom = new BoardZoom({
      svg: this.svgEl,
      frame,
      cancelGesture: () => this.tools.stop(),
      say: (text) => this.say(text),
    });
    this.toolbar.el.appendChild(this.zoom.el);
    // A press on the board gives it the keyboard too (the tools keep the browser from it).
    this.svgEl.addEventListener('pointerdown', () => this.svgEl.focus({ preventScroll: true }));
    this.keys = new BoardKeys({
      board: this.svgEl,
      panel: this.el,
      toggle: this.toggle,
      isOpen: () => this.open,
      tool: () => this.tool,
      setTool: (t) => this.setTool(t),
      canDraw: () => this.canDraw(),
      whyNot: () => (this.host.role() === 'observer' ? OBSERVING : LOCKED_OUT),
      elements: () => this.model.visible(),
      selected: () => this.selected,
      select: (id) => this.select(id),
      pick: (id) => this.pick(id),
      read: (id) => this.read(id),
      update: (id, changes) => {
        this.update(id, changes);
        this.reveal(id); // moved by the arrows: kept in view when zoomed in
      },
      deleteSelected: () => this.deleteSelected(),
      edit: (id) => void this.editText(id),
      write: (kind) => void this.write(kind, null),
      undo: (redo) => void this.undo(redo ? 'whiteboard.redo' : 'whiteboard.undo'),
      zoom: (step) => this.zoom.step(step),
      scroll: (dx, dy) => this.zoom.scroll(dx, dy),
      say: (text) => this.say(text),
    });

    const s = host.socket;
    s.on('whiteboard.applied', this.onApplied);
    s.on('whiteboard.cursors', this.onCursors);
    s.on('whiteboard.settings', this.onSettings);

    this.toolbar.setTool(this.tool);
    this.toolbar.setColor(this.color);
    this.refresh();
    this.changed();
  }

  // ---- the room ------------------------------------------------------------------------------
  /** In a room (join, rejoin, admission or a move): its board, brought up to date. */
  entered(room: string): void {
    if (room !== this.sync.room) {
      this.tools.stop(); // a stroke under way belonged to the other room's board
      this.select(null);
      this.cursors.clear();
      this.zoom.reset(); // another room's board: the whole of it first
    }
    this.sync.enter(room);
    this.toggle.hidden = false;
    this.refresh();
  }

  /** The connection dropped: the board stays as it was until the rejoin. */
  suspend(): void {
    this.sync.suspend();
    this.cursors.clear();
  }

  /** Our role or the people in the room changed. */
  refresh(): void {
    const can = this.canDraw();
    this.toolbar.setState(can, this.selected !== null, this.mayDeleteSelected());
    this.watchNote.hidden = can;
    this.el.classList.toggle('wb-readonly', !can);
    const facilitator = isFacilitator(this.host.role());
    const me = this.host.selfId();
    const people = facilitator
      ? [...this.host.participants().values()]
          .filter((p) => p.id !== me && p.role === 'participant')
          .sort((a, b) => a.seat - b.seat)
          .map((p) => ({ id: p.id, name: p.name, may: this.settings.drawers.includes(p.id) }))
      : [];
    this.toolbar.setFacilitator(facilitator, this.settings.mode === 'locked', people);
    if (can) this.keys.mayDraw();
    else {
      this.select(null);
      this.tools.stop();
    }
  }

  private canDraw(): boolean {
    const role = this.host.role();
    if (isFacilitator(role)) return true;
    if (role === 'observer') return false;
    if (this.settings.mode === 'open') return true;
    const me = this.host.selfId();
    return me !== null && this.settings.drawers.includes(me);
  }

  private setSettings(settings: BoardSettings): void {
    const could = this.canDraw();
    this.settings = { mode: settings.mode, drawers: [...settings.drawers] };
    this.refresh();
    const can = this.canDraw();
    if (could && !can) this.host.announce(WATCH_ONLY);
    else if (!could && can && this.sync.room !== null) this.host.announce('You can draw on the whiteboard now.');
  }

  private setOpen(open: boolean): void {
    this.open = open;
    this.el.hidden = !open;
    this.toggle.setAttribute('aria-pressed', String(open));
    if (!open) this.cursors.clear();
    this.host.shown(open);
  }

  // ---- server events ---------------------------------------------------------------------------
  private readonly onApplied = (event: WhiteboardApplied): void => this.sync.onApplied(event);

  private readonly onCursors = (event: WhiteboardCursors): void => {
    if (event.room !== this.sync.room) return;
    const me = this.host.selfId();
    for (const cursor of event.cursors) if (cursor.participant_id !== me) this.cursors.show(cursor);
  };

  private readonly onSettings = (event: WhiteboardSettingsEvent): void => {
    if (event.room === this.sync.room) this.setSettings(event.settings);
  };

  // ---- drawing ----------------------------------------------------------------------------------
  private newId(kind: string): string {
    // Unique per person and page: the participant id (cut to fit the 64-character limit),
    // a counter and a random part for a second tab with the same link.
    const me = (this.host.selfId() ?? 'me').slice(0, 36);
    const rand = Math.random().toString(36).slice(2, 8);
    return `${me}-${kind}${(++this.counter).toString(36)}-${rand}`;
  }

  private full(el: NewElement): BoardElement {
    return { ...el, author: this.host.selfId() ?? '', version: 0, deleted: false };
  }

  private async send(op: BoardOp, shown: BoardElement[]): Promise<void> {
    const clientOpId = this.newId('op');
    const room = this.sync.room ?? undefined;
    this.model.addPending(clientOpId, shown);
    this.redraw();
    // With the room it was drawn in: the server refuses it if we were moved meanwhile.
    const ack = await this.host.request('whiteboard.op', { op, client_op_id: clientOpId, room });
    if (ack.ok) this.model.acked(clientOpId, ack.seq);
    else {
      this.model.refused(clientOpId);
      this.say(ack.error.message);
    }
    this.redraw();
  }

  private add(el: Omit<NewElement, 'id'>): void {
    const element: NewElement = { ...el, id: this.newId('e') };
    void this.send({ type: 'add', element }, [this.full(element)]);
  }

  private update(id: string, changes: ElementChanges): void {
    const el = this.model.get(id);
    if (!el) return;
    void this.send({ type: 'update', id, changes }, [{ ...el, ...changes }]);
  }

  /** Participants delete only what they drew (the server says the same). */
  private mayDeleteSelected(): boolean {
    const el = this.selected ? this.model.get(this.selected) : undefined;
    return Boolean(el) && (isFacilitator(this.host.role()) || el?.author === this.host.selfId());
  }

  private deleteSelected(): void {
    const el = this.selected ? this.model.get(this.selected) : undefined;
    if (!el || !this.canDraw()) return;
    if (!this.mayDeleteSelected()) {
      this.say('You can delete only what you drew. You can still move it.');
      return;
    }
    this.select(null);
    void this.send({ type: 'delete', ids: [el.id] }, [{ ...el, deleted: true }]);
  }

  private async clearBoard(): Promise<void> {
    const choice = await openDialog({
      title: 'Clear the whiteboard?',
      text: 'Everything on this room’s board goes, for everyone. You can bring it back with Undo.',
      confirmLabel: 'Clear board',
      danger: true,
    });
    if (!choice) return;
    this.select(null);
    void this.send({ type: 'clear' }, this.model.visible().map((el) => ({ ...el, deleted: true })));
  }

  private async undo(name: 'whiteboard.undo' | 'whiteboard.redo'): Promise<void> {
    if (!this.canDraw()) return;
    const ack = await this.host.request(name, { room: this.sync.room ?? undefined });
    if (!ack.ok) this.say(ack.error.message);
  }

  /** Ask for the words of a new text or note and add it at `at` (pointer) or, from the
   * keyboard, in a free spot near the middle. */
  private async write(kind: 'text' | 'note', at: { x: number; y: number } | null): Promise<void> {
    const room = this.sync.room;
    const words = await this.askWords(kind === 'note' ? 'Add a sticky note' : 'Add text', '');
    if (!words || !this.canDraw()) return;
    if (this.sync.room !== room) {
      // Moved to another room while writing: these words were meant for the other board.
      this.say('You are in another room now, so that was not added.');
      return;
    }
    const size = kind === 'note' ? NOTE_SIZE : textSize(words);
    const { x, y } = at ?? freeSpot(size, this.model.visible(), this.zoom.visibleCentre() ?? undefined);
    this.add({
      kind,
      // Kept on the board.
      x: round2(Math.min(x, BOARD_WIDTH - size.w)),
      y: round2(Math.min(y, BOARD_HEIGHT - size.h)),
      w: size.w,
      h: size.h,
      points: [],
      color: this.color,
      fill: kind === 'note' ? (NOTE_FILL[this.color] ?? NOTE_FILLS[0]) : null,
      width: SHAPE_WIDTH,
      text: words,
    });
  }

  private async editText(id: string): Promise<void> {
    const el = this.model.get(id);
    if (!el || (el.kind !== 'text' && el.kind !== 'note') || !this.canDraw()) return;
    const words = await this.askWords(el.kind === 'note' ? 'Edit the sticky note' : 'Edit the text', el.text);
    if (!words || words === el.text || !this.model.get(id)) return;
    this.update(id, el.kind === 'text' ? { text: words, ...textSize(words) } : { text: words });
  }

  private async askWords(title: string, value: string): Promise<string | null> {
    const result = await openDialog({
      title,
      text: 'Everyone in this room will see it.',
      confirmLabel: value ? 'Save' : 'Add',
      fields: [{ kind: 'text', label: 'Words', maxLength: MAX_BOARD_TEXT, value }],
      fallbackFocus: () => this.svgEl.closest('section')?.querySelector('h2') ?? null,
    });
    const words = result ? String(result[0]).slice(0, MAX_BOARD_TEXT) : '';
    return words || null;
  }

  private async configure(mode: BoardSettings['mode'], drawers: string[]): Promise<void> {
    const ack = await this.host.request('whiteboard.configure', { mode, drawers });
    if (ack.ok) this.setSettings(ack.settings);
    else {
      this.say(ack.error.message);
      this.refresh(); // the checkboxes show what is true
    }
  }

  private async savePng(): Promise<void> {
    try {
      await savePng(this.elementsLayer, this.filename('png'));
    } catch {
      this.say('The picture could not be made. Try “Save as SVG” instead.');
    }
  }

  private filename(ext: string): string {
    // The room key is "session/room": the room's own part names the file.
    const room = (this.sync.room ?? 'room').split('/').pop() || 'room';
    return `whiteboard-${room}.${ext}`;
  }

  // ---- tools, selection, keys ----------------------------------------------------------------
  private setTool(tool: Tool): void {
    this.tool = tool;
    this.toolbar.setTool(tool);
    if (tool !== 'select') this.select(null);
    this.svgEl.dataset.tool = tool;
  }

  private setColor(color: string): void {
    this.color = color;
    this.toolbar.setColor(color);
    // A selected element takes the colour.
    const el = this.selected ? this.model.get(this.selected) : undefined;
    if (el && el.color !== color && this.canDraw()) this.update(el.id, { color });
  }

  private select(id: string | null): void {
    if (this.selected === id) return;
    this.selected = id;
    this.toolbar.setState(this.canDraw(), id !== null, this.mayDeleteSelected());
    this.redraw();
  }

  /** Picked from the keyboard: selected, and said in words with its place in reading order
   * (only then: a line of status appearing moves the board, so not under a pointer). */
  private pick(id: string): void {
    this.select(id);
    this.read(id);
  }

  /** Zoomed in: bring something on the board into view. */
  private reveal(id: string): void {
    const el = this.model.get(id);
    if (el) this.zoom.reveal(bounds(el));
  }

  /** Say what something on the board is, and where it comes in reading order (and bring
   * it into view when zoomed in). */
  private read(id: string): void {
    const el = this.model.get(id);
    if (!el) return;
    this.zoom.reveal(bounds(el));
    const order = readingOrder(this.model.visible());
    const mine = el.author === this.host.selfId();
    this.say(describe(el, mine, order.findIndex((x) => x.id === el.id) + 1, order.length));
  }

  // ---- drawing the board ---------------------------------------------------------------------
  private redraw(): void {
    let elements = this.model.visible();
    const draft = this.draft;
    if (draft) {
      const at = elements.findIndex((el) => el.id === draft.id);
      elements = at >= 0 ? elements.map((el, i) => (i === at ? draft : el)) : [...elements, draft];
    }
    this.renderer.draw(elements);
    if (this.selected && !this.model.get(this.selected)) this.selected = null;
    this.drawSelection(draft && draft.id === this.selected ? draft : this.selected ? this.model.get(this.selected) : undefined);
    this.toolbar.setState(this.canDraw(), this.selected !== null, this.mayDeleteSelected());
    const counts = new Map<string, number>();
    for (const el of elements) if (el.id !== '__draft__') counts.set(el.kind, (counts.get(el.kind) ?? 0) + 1);
    const summary = [...counts].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ');
    const words = summary ? `On it: ${summary}.` : 'Empty.';
    if (this.contents.textContent !== words) this.contents.textContent = words;
  }

  private drawSelection(el: BoardElement | undefined): void {
    this.selectionLayer.replaceChildren();
    if (!el) return;
    const b = bounds(el);
    this.selectionLayer.appendChild(
      svg('rect', { x: b.x - 4, y: b.y - 4, width: b.w + 8, height: b.h + 8, fill: 'none', stroke: '#0b5563', 'stroke-width': 2, 'stroke-dasharray': '8 6' }),
    );
    // The resize handle: bottom-right, or the end of a line.
    const end = el.kind === 'line' || el.kind === 'arrow' ? el.points[1] : null;
    const hx = end ? el.x + end[0] : b.x + b.w + 4;
    const hy = end ? el.y + end[1] : b.y + b.h + 4;
    const handle = svg('g', { 'data-handle': 'resize', class: 'wb-handle' });
    handle.append(
      svg('rect', { x: hx - 18, y: hy - 18, width: 36, height: 36, fill: 'transparent' }),
      svg('rect', { x: hx - 9, y: hy - 9, width: 18, height: 18, rx: 3, fill: '#ffffff', stroke: '#0b5563', 'stroke-width': 3 }),
    );
    this.selectionLayer.appendChild(handle);
  }

  /** The board changed at the server: draw it, and publish its hash once computed. */
  private changed(): void {
    this.redraw();
    this.svgEl.dataset.boardSeq = String(this.model.seq ?? '');
    const run = ++this.hashRun;
    void boardHash(this.model.live()).then((hash) => {
      if (run !== this.hashRun || hash === null) return; // a newer change is being hashed
      this.svgEl.dataset.boardHash = hash;
    });
  }

  private say(text: string): void {
    this.status.textContent = text;
    window.clearTimeout(this.statusTimer);
    this.statusTimer = window.setTimeout(() => {
      this.status.textContent = '';
    }, 8000);
  }

  destroy(): void {
    const s = this.host.socket;
    s.off('whiteboard.applied', this.onApplied);
    s.off('whiteboard.cursors', this.onCursors);
    s.off('whiteboard.settings', this.onSettings);
    this.keys.destroy();
    this.zoom.destroy();
    window.clearTimeout(this.statusTimer);
    this.tools.destroy();
    this.cursors.clear();
    this.el.remove();
    this.toggle.remove();
  }
}
