// The facilitator's attendance downloads: the ledger the server keeps (who came, when, for
// how long, who came late or left early), as CSV for a spreadsheet or JSON for records.
// The server decides who may export (facilitation/permissions.py) and builds both files.

import { h, saveFile } from './dom';
import type { RequestFn } from './facilitator';
import type { Feedback } from './feedback';

type Format = 'csv' | 'json';

async function download(request: RequestFn, feedback: Feedback, format: Format): Promise<void> {
  const ack = await request('attendance.export', {});
  const label = format.toUpperCase();
  if (!feedback.report(ack, `Attendance downloaded (${label}).`, 'Attendance was not downloaded.') || !ack.ok) return;
  const day = new Date().toISOString().slice(0, 10);
  const name = `attendance-${ack.attendance.session}-${day}.${format}`;
  if (format === 'csv') {
    // The byte-order mark tells spreadsheets the file is UTF-8 (names with accents).
    saveFile(new Blob([`\ufeff${ack.csv}`], { type: 'text/csv;charset=utf-8' }), name);
  } else {
    saveFile(new Blob([JSON.stringify(ack.attendance, null, 2)], { type: 'application/json' }), name);
  }
}

/** The "Attendance" section of the facilitator's panel. */
export function attendanceSection(request: RequestFn, feedback: Feedback): HTMLElement {
  const button = (format: Format): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'button small secondary' }, `Download attendance (${format.toUpperCase()})`);
    b.addEventListener('click', () => void download(request, feedback, format));
    return b;
  };
  return h(
    'section',
    { class: 'panel-section', 'aria-labelledby': 'fac-attendance' },
    h('h3', { id: 'fac-attendance', tabindex: '-1' }, 'Attendance'),
    h('p', { class: 'hint' }, 'Who joined, when and for how long; late arrivals and early leaves.'),
    h('div', { class: 'section-actions' }, button('csv'), button('json')),
  );
}
