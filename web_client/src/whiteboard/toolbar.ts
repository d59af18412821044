// The whiteboard's toolbar: tools, colours, undo and redo, delete, saving the board, and for
// facilitators clearing it and saying who may draw. Plain buttons with their names; the
// tools and colours say which one is on with aria-pressed.

import { h, icon } from '../dom';
import { BOARD_COLORS } from '../protocol';
import { svg } from './render';
import type { Tool } from './tools';

export const TOOLS: Array<{ tool: Tool; label: string; key: string; icon: string[] }> = [
  { tool: 'pen', label: 'Pen', key: 'P', icon: ['M4 20c3-1 4-4 6-7s5-7 8-9', 'M15 4l5 5'] },
  { tool: 'line', label: 'Line', key: 'L', icon: ['M5 19L19 5'] },
  { tool: 'arrow', label: 'Arrow', key: 'A', icon: ['M5 19L19 5', 'M10 5h9v9'] },
  { tool: 'rect', label: 'Rectangle', key: 'R', icon: ['M4 6h16v12H4z'] },
  { tool: 'ellipse', label: 'Ellipse', key: 'E', icon: ['M12 5c4.4 0 8 3.1 8 7s-3.6 7-8 7-8-3.1-8-7 3.6-7 8-7z'] },
  { tool: 'text', label: 'Text', key: 'T', icon: ['M5 6V4h14v2', 'M12 4v16', 'M9 20h6'] },
  { tool: 'note', label: 'Sticky note', key: 'N', icon: ['M4 4h16v11l-5 5H4z', 'M15 20v-5h5'] },
  { tool: 'select', label: 'Select and move', key: 'V', icon: ['M5 3l14 8-6 2-3 6z'] },
];

export const COLOR_NAMES: Record<string, string> = {
  '#1f2933': 'Charcoal',
  '#c0392b': 'Red',
  '#1e6fd9': 'Blue',
  '#2e8540': 'Green',
  '#b7791f': 'Amber',
  '#7b3fa0': 'Purple',
};

export interface ToolbarActions {
  tool(tool: Tool): void;
  color(color: string): void;
  undo(): void;
  redo(): void;
  deleteSelected(): void;
  clear(): void;
  savePng(): void;
  saveSvg(): void;
  /** Facilitators: only facilitators (and the chosen people) draw, or everyone. */
  lock(locked: boolean): void;
  allow(participantId: string, may: boolean): void;
}

export interface Drawer {
  id: string;
  name: string;
  may: boolean;
}

/** A button named `label`; with an icon, the words show only where there is room. */
export function button(label: string, cls: string, onClick: () => void, paths?: string[]): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, 'aria-label': label, title: label });
  if (paths) b.appendChild(icon(paths));
  b.appendChild(h('span', { class: paths ? 'wb-label' : '', 'aria-hidden': 'true' }, label));
  b.addEventListener('click', onClick);
  return b;
}

export class Toolbar {
  /** Above the board: tools, colours, undo, redo, delete. */
  readonly el: HTMLElement;
  /** Below the board: saving, and the facilitators' controls. */
  readonly footer: HTMLElement;
  private readonly toolButtons = new Map<Tool, HTMLButtonElement>();
  private readonly colorButtons = new Map<string, HTMLButtonElement>();
  /** Buttons that change the board: off while this person may not draw. */
  private readonly drawing: HTMLButtonElement[] = [];
  private readonly deleteButton: HTMLButtonElement;
  private readonly facilitatorRow: HTMLElement;
  private readonly lockBox: HTMLInputElement;
  private readonly drawersList: HTMLUListElement;
  private drawersKey = '';

  constructor(private readonly actions: ToolbarActions) {
    const tools = h('div', { class: 'wb-group wb-tools', role: 'group', 'aria-label': 'Drawing tools' });
    for (const t of TOOLS) {
      const b = button(t.label, 'wb-button wb-tool', () => actions.tool(t.tool), t.icon);
      b.setAttribute('aria-pressed', 'false');
      b.setAttribute('aria-keyshortcuts', t.key);
      b.title = `${t.label} (${t.key})`;
      this.toolButtons.set(t.tool, b);
      this.drawing.push(b);
      tools.appendChild(b);
    }
    const colors = h('div', { class: 'wb-group wb-colors', role: 'group', 'aria-label': 'Colours' });
    for (const c of BOARD_COLORS) {
      const name = COLOR_NAMES[c] ?? c;
      const b = h('button', {
        type: 'button',
        class: 'wb-swatch',
        'aria-label': `Colour: ${name}`,
        title: name,
        'aria-pressed': 'false',
        'data-color': c,
      });
      // The colour itself, as a presentation attribute (no inline styles under the CSP).
      const dot = svg('svg', { viewBox: '0 0 24 24', class: 'wb-dot', 'aria-hidden': 'true', focusable: 'false' });
      dot.appendChild(svg('circle', { cx: 12, cy: 12, r: 9, fill: c }));
      b.appendChild(dot);
      b.addEventListener('click', () => actions.color(c));
      this.colorButtons.set(c, b);
      this.drawing.push(b);
      colors.appendChild(b);
    }
    const undo = button('Undo', 'wb-button', () => actions.undo(), ['M9 14L4 9l5-5', 'M4 9h10a6 6 0 0 1 0 12h-3']);
    undo.setAttribute('aria-keyshortcuts', 'Control+Z Meta+Z');
    const redo = button('Redo', 'wb-button', () => actions.redo(), ['M15 14l5-5-5-5', 'M20 9H10a6 6 0 0 0 0 12h3']);
    redo.setAttribute('aria-keyshortcuts', 'Control+Shift+Z Meta+Shift+Z Control+Y');
    this.deleteButton = button('Delete selected', 'wb-button', () => actions.deleteSelected(), [
      'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
    ]);
    this.deleteButton.setAttribute('aria-keyshortcuts', 'Delete');
    this.drawing.push(undo, redo, this.deleteButton);
    const edits = h('div', { class: 'wb-group', role: 'group', 'aria-label': 'Changes' }, undo, redo, this.deleteButton);
    const saves = h(
      'div',
      { class: 'wb-group', role: 'group', 'aria-label': 'Save the board' },
      button('Save as PNG', 'wb-button', () => actions.savePng()),
      button('Save as SVG', 'wb-button', () => actions.saveSvg()),
    );

    // Facilitators: clear the board, and who may draw.
    const clearButton = button('Clear board', 'wb-button wb-danger', () => actions.clear());
    this.lockBox = h('input', { type: 'checkbox', id: 'wb-lock' });
    this.lockBox.addEventListener('change', () => actions.lock(this.lockBox.checked));
    this.drawersList = h('ul', { class: 'wb-drawers', 'aria-label': 'Who may draw', hidden: true });
    this.facilitatorRow = h(
      'div',
      { class: 'wb-group wb-facilitator', role: 'group', 'aria-label': 'Facilitator whiteboard controls', hidden: true },
      clearButton,
      h('label', { class: 'check', for: 'wb-lock' }, this.lockBox, h('span', {}, 'Only facilitators draw')),
      this.drawersList,
    );
    this.el = h('div', { class: 'wb-toolbar' }, tools, colors, edits);
    this.footer = h('div', { class: 'wb-toolbar wb-footer' }, saves, this.facilitatorRow);
  }

  setTool(tool: Tool): void {
    for (const [t, b] of this.toolButtons) b.setAttribute('aria-pressed', String(t === tool));
  }

  setColor(color: string): void {
    for (const [c, b] of this.colorButtons) b.setAttribute('aria-pressed', String(c === color));
  }

  /** Whether this person may change the board now, whether something is selected, and
   * whether they may delete it (their own, or anything for facilitators). */
  setState(canDraw: boolean, hasSelection: boolean, mayDelete = true): void {
    for (const b of this.drawing) b.disabled = !canDraw;
    this.deleteButton.disabled = !canDraw || !hasSelection || !mayDelete;
  }

  /** Facilitators' controls: shown or not; the board's mode and who may draw. */
  setFacilitator(facilitator: boolean, locked: boolean, people: Drawer[]): void {
    this.facilitatorRow.hidden = !facilitator;
    this.lockBox.checked = locked;
    this.drawersList.hidden = !facilitator || !locked || people.length === 0;
    const key = JSON.stringify(people);
    if (key === this.drawersKey) return; // keep focus in the list while nothing changed
    this.drawersKey = key;
    const focused = document.activeElement instanceof HTMLInputElement ? document.activeElement.dataset.person : undefined;
    this.drawersList.replaceChildren(
      ...people.map((p) => {
        const id = `wb-may-${p.id}`;
        const box = h('input', { type: 'checkbox', id, 'data-person': p.id });
        box.checked = p.may;
        box.addEventListener('change', () => this.actions.allow(p.id, box.checked));
        return h('li', {}, h('label', { class: 'check', for: id }, box, h('span', {}, `${p.name} may draw`)));
      }),
    );
    if (focused) this.drawersList.querySelector<HTMLInputElement>(`input[data-person="${CSS.escape(focused)}"]`)?.focus();
  }
}
