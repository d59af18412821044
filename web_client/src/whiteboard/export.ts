// Saving the board as a file: SVG (the very markup on screen, without the selection and the
// cursors) or PNG (that SVG drawn on a canvas). Both stay in the browser.

import { saveFile } from '../dom';
import { BOARD_HEIGHT, BOARD_WIDTH } from '../protocol';
import { SVG_NS, svg } from './render';

/** A standalone SVG document of the elements layer, on a white sheet. */
export function boardSvg(layer: SVGGElement): string {
  const doc = svg('svg', {
    xmlns: SVG_NS,
    width: BOARD_WIDTH,
    height: BOARD_HEIGHT,
    viewBox: `0 0 ${BOARD_WIDTH} ${BOARD_HEIGHT}`,
  });
  doc.appendChild(svg('rect', { x: 0, y: 0, width: BOARD_WIDTH, height: BOARD_HEIGHT, fill: '#ffffff' }));
  const copy = layer.cloneNode(true) as SVGGElement;
  for (const node of [copy, ...copy.querySelectorAll('*')]) {
    for (const attr of [...node.attributes]) if (attr.name.startsWith('data-') || attr.name === 'class') node.removeAttribute(attr.name);
  }
  doc.appendChild(copy);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}

export function saveSvg(layer: SVGGElement, filename: string): void {
  saveFile(new Blob([boardSvg(layer)], { type: 'image/svg+xml' }), filename);
}

export async function savePng(layer: SVGGElement, filename: string): Promise<void> {
  const url = URL.createObjectURL(new Blob([boardSvg(layer)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = BOARD_WIDTH;
    canvas.height = BOARD_HEIGHT;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no canvas');
    ctx.drawImage(img, 0, 0, BOARD_WIDTH, BOARD_HEIGHT);
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) throw new Error('no image');
    saveFile(png, filename);
  } finally {
    URL.revokeObjectURL(url);
  }
}
