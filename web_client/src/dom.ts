// A tiny helper to build DOM elements. No inline styles (the CSP forbids them).

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** An icon from inline SVG markup built with DOM calls (hidden from screen readers). */
export function icon(paths: string[], viewBox = '0 0 24 24'): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', viewBox);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  for (const d of paths) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

export const ICONS = {
  micOff: [
    'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3z',
    'M19 11a7 7 0 0 1-11.9 5M5 11a7 7 0 0 0 1 3.6M12 18v3M3 3l18 18',
  ],
  mic: ['M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3z', 'M19 11a7 7 0 0 1-14 0M12 18v3'],
  camOff: ['M3 3l18 18', 'M15 8v-1a2 2 0 0 0-2-2H7M3 7v10a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-3l4 3V7l-4 3'],
  cam: ['M3 7a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z', 'M17 10l4-3v10l-4-3'],
  leave: ['M10 17l-5-5 5-5M5 12h11M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4'],
  hand: [
    'M7 11V5.5a1.5 1.5 0 0 1 3 0V10',
    'M10 10V4a1.5 1.5 0 0 1 3 0v6',
    'M13 10V5a1.5 1.5 0 0 1 3 0v6',
    'M16 11V8a1.5 1.5 0 0 1 3 0v6a7 7 0 0 1-7 7h-1a6 6 0 0 1-5-2.7L3.5 14a1.5 1.5 0 0 1 2.4-1.8L7 13.5',
  ],
};

/** Whether keyboard focus has nowhere sensible left: on the page itself, or on a control
 * that was just hidden or taken out. */
export function focusLost(): boolean {
  const el = document.activeElement;
  if (!el || el === document.body || !el.isConnected) return true;
  return el instanceof HTMLElement && typeof el.checkVisibility === 'function' && !el.checkVisibility();
}

/** Where the keyboard is now (an HTML control, or a focusable drawing such as the
 * whiteboard), to give it back when a dialog closes. */
export function focusedNow(): HTMLElement | SVGElement | null {
  const active = document.activeElement;
  return active instanceof HTMLElement || active instanceof SVGElement ? active : null;
}

/** Give the keyboard back to `opener` if it is still on screen, else to `fallback`. */
export function giveFocusBack(
  opener: HTMLElement | SVGElement | null,
  fallback?: () => HTMLElement | null | undefined,
): void {
  if (opener && opener.isConnected && opener.getClientRects().length > 0) opener.focus();
  else fallback?.()?.focus();
}

/** Put `items` in `list` in this order, moving only what is out of place (a moved element
 * would lose the keyboard focus). */
export function keepOrder(list: HTMLElement, items: HTMLElement[]): void {
  items.forEach((item, i) => {
    if (list.children[i] !== item) list.insertBefore(item, list.children[i] ?? null);
  });
  while (list.children.length > items.length) list.lastElementChild?.remove();
}

/** Save `blob` as a file named `filename` (the browser's download). */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, rel: 'noopener', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download by now; the address is no longer needed.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
