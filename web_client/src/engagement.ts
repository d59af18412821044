// The facilitator's Engagement panel: every participant's signals (talk, silence, camera,
// time away, hands, chat, reactions, mood, connection), with who "may be withdrawn" first
// and the reasons in plain words; the mood check-in; and the thresholds for this session.
//
// The server sends these to facilitators only (`engagement.updated` every few seconds,
// `engagement.get` on opening the panel); a participant's page never receives them. The
// panel offers a gentle prompt, not a verdict: it says what was noticed and leaves the
// judgment to the facilitator. Rows are updated in place so the keyboard focus stays.

import { inviteToCheckIn, mayInvite } from './checkin';
import { clear, focusLost, h, keepOrder } from './dom';
import type { RequestFn } from './facilitator';
import { Feedback } from './feedback';
import { MoodSection, moodWords } from './mood';
import {
  type EngagementRow,
  type EngagementSettings,
  type EngagementThresholds,
  type EngagementView,
  type MoodView,
  MAIN_ROOM_ID,
} from './protocol';
import type { RoomView } from './roomview';

const PANEL = 'engagement';

/** "40 s", "12 min", "1 h 5 min". */
export function shortDuration(seconds: number): string {
  if (seconds > 0 && seconds < 1) return 'under 1 s';
  const s = Math.floor(Math.max(0, seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}

function signalLines(r: EngagementRow): string[] {
  const lines: string[] = [];
  const share = r.talk_share === null ? '' : ` (${Math.round(r.talk_share * 100)}% of the group’s talk)`;
  lines.push(`Talked ${shortDuration(r.talk_seconds)}${share}.`);
  lines.push(
    r.speaking
      ? 'Speaking now.'
      : r.last_spoke_at === null
        ? `Has not spoken since joining (${shortDuration(r.silent_seconds)}).`
        : `Last spoke ${shortDuration(r.silent_seconds)} ago.`,
  );
  if (r.camera_off || r.camera_off_seconds >= 1) {
    lines.push(`Camera ${r.camera_off ? `off for ${shortDuration(r.camera_off_for)}` : 'on'}; off ${shortDuration(r.camera_off_seconds)} in all.`);
  }
  if (r.away || r.away_seconds >= 1) {
    lines.push(`${r.away ? `Away for ${shortDuration(r.away_for)}` : 'Here'}; away ${shortDuration(r.away_seconds)} in all.`);
  }
  lines.push(`Hands raised ${r.hand_raises}, chat messages ${r.chat_messages}, reactions ${r.reactions}.`);
  if (r.mood) lines.push(`Mood ${moodWords(r.mood.value, r.mood.scale)}${r.mood.word ? `: “${r.mood.word}”` : ''}.`);
  const trouble: string[] = [];
  if (r.connection === 'reconnecting') trouble.push('reconnecting now');
  if (r.loss !== null && r.loss >= 0.02) trouble.push(`${Math.round(r.loss * 100)}% of packets lost`);
  if (r.reconnects) trouble.push(`reconnected ${r.reconnects} ${r.reconnects === 1 ? 'time' : 'times'}`);
  if (trouble.length) lines.push(`Connection: ${trouble.join(', ')}.`);
  return lines;
}

class Row {
  readonly li: HTMLLIElement;
  private readonly name: HTMLElement;
  private readonly flag: HTMLElement;
  private readonly reasons: HTMLUListElement;
  private readonly signals: HTMLUListElement;
  /** Noticing someone may be withdrawn, the facilitator can ask them for a word at once. */
  private readonly checkIn: HTMLButtonElement;
  private readonly actions: HTMLElement;
  private row: EngagementRow | null = null;

  constructor(invite: (row: EngagementRow) => void) {
    this.name = h('p', { class: 'person-name', tabindex: '-1' });
    this.flag = h('span', { class: 'chip attention engagement-flag' }, 'May be withdrawn');
    this.reasons = h('ul', { class: 'engagement-reasons', 'aria-label': 'Why' });
    this.signals = h('ul', { class: 'engagement-signals', 'aria-label': 'Signals' });
    this.checkIn = h('button', { type: 'button', class: 'button small secondary' }, 'Check in privately');
    this.checkIn.addEventListener('click', () => {
      if (this.row) invite(this.row);
    });
    this.actions = h('div', { class: 'person-actions' }, this.checkIn);
    this.li = h(
      'li',
      { class: 'person engagement-person' },
      h('div', { class: 'person-head' }, this.name, this.flag),
      this.reasons,
      this.actions,
      this.signals,
    );
  }

  /** The keyboard is somewhere in this row. */
  hasFocus(): boolean {
    return this.li.contains(document.activeElement);
  }

  focusName(): void {
    this.name.focus();
  }

  update(r: EngagementRow, roomName: (id: string) => string | null): void {
    this.row = r;
    const where = r.room_id !== MAIN_ROOM_ID ? roomName(r.room_id) : null;
    this.name.textContent = where ? `${r.name} (in ${where})` : r.name;
    this.checkIn.setAttribute('aria-label', `Check in privately, ${r.name}`);
    // Offered where it helps: someone flagged, here, and not already in a check-in.
    this.actions.hidden = !r.flagged || !mayInvite(r);
    this.flag.hidden = !r.flagged;
    this.li.classList.toggle('flagged', r.flagged);
    clear(this.reasons);
    this.reasons.hidden = !r.flagged;
    for (const reason of r.reasons) this.reasons.append(h('li', {}, reason.charAt(0).toUpperCase() + reason.slice(1)));
    clear(this.signals);
    for (const line of signalLines(r)) this.signals.append(h('li', {}, line));
  }
}

/** A thresholds field, in minutes (the server counts seconds). */
interface ThresholdField {
  key: keyof EngagementSettings;
  label: string;
  input: HTMLInputElement;
  minutes: boolean;
}

export class EngagementPanel {
  readonly el: HTMLElement;
  private readonly feedback = new Feedback();
  private readonly mood: MoodSection;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly fields: ThresholdField[];
  private readonly rows = new Map<string, Row>();
  private latest: EngagementView | null = null;
  private flagged = new Set<string>();
  private available = false;
  private editingThresholds = false;

  constructor(
    private readonly view: RoomView,
    private readonly request: RequestFn,
    /** A breakout room's name by id. */
    private readonly roomName: (id: string) => string | null,
  ) {
    this.mood = new MoodSection(request, this.feedback);
    this.heading = h('h3', { id: 'eng-people', tabindex: '-1' }, 'Participants');
    this.empty = h('p', { class: 'empty' }, 'No participants yet.');
    this.list = h('ul', { class: 'people engagement-people', 'aria-label': 'Participants and their signals' });
    const field = (key: keyof EngagementSettings, label: string, minutes = true): ThresholdField => ({
      key,
      label,
      minutes,
      input: h('input', {
        type: 'number',
        id: `eng-${key}`,
        min: '0',
        max: minutes ? '240' : '9',
        step: minutes ? '0.1' : '1',
        inputmode: 'decimal',
      }),
    });
    this.fields = [
      field('silent_seconds', 'Silent for (minutes)'),
      field('group_talk_seconds', 'While others talked at least (minutes)'),
      field('camera_off_seconds', 'Camera off for (minutes)'),
      field('away_seconds', 'Away for (minutes)'),
      field('mood_low', 'Mood at or below (out of 10)', false),
    ];
    // Typed-in values wait for "Save thresholds"; merely passing through the fields does
    // not stop the server's values from showing.
    for (const f of this.fields) {
      f.input.addEventListener('input', () => {
        this.editingThresholds = true;
      });
    }
    const save = h('button', { type: 'button', class: 'button small secondary' }, 'Save thresholds');
    save.addEventListener('click', () => void this.saveThresholds());
    const thresholds = h(
      'details',
      { class: 'panel-section engagement-thresholds' },
      h('summary', {}, 'When to flag someone'),
      h(
        'p',
        { class: 'hint' },
        'Any one of these flags a participant. Silence counts only while the others talked that much. 0 switches a rule off.',
      ),
      ...this.fields.map((f) => h('div', { class: 'field' }, h('label', { for: f.input.id }, f.label), f.input)),
      h('div', { class: 'section-actions' }, save),
    );
    this.el = h(
      'div',
      { class: 'engagement' },
      this.feedback.el,
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'eng-people' },
        this.heading,
        h(
          'p',
          { class: 'hint' },
          'Only facilitators see this. These are signals, not judgments: if someone is flagged, consider a gentle check-in.',
        ),
        this.empty,
        this.list,
      ),
      this.mood.el,
      thresholds,
    );
    view.panels.add(PANEL, 'Engagement', this.el, {
      scroll: true,
      onVisible: (visible) => {
        if (visible) void this.refresh();
      },
    });
    view.panels.setAvailable(PANEL, false);
  }

  /** Facilitators and co-facilitators in a room see the panel; nobody else. */
  setAvailable(available: boolean): void {
    this.available = available;
    this.view.panels.setAvailable(PANEL, available);
    if (!available) {
      this.latest = null;
      this.flagged.clear();
      this.rows.clear();
      clear(this.list);
      this.mood.forget();
      this.view.panels.setBadge(PANEL, null);
    }
  }

  /** Ask the server for the signals now (on opening the panel). */
  async refresh(): Promise<void> {
    if (!this.available) return;
    const ack = await this.request('engagement.get', {});
    if (!ack.ok) {
      this.feedback.fail(`The signals could not be loaded. ${ack.error.message}`);
      return;
    }
    this.updated(ack.engagement);
    this.moodUpdated(ack.mood);
  }

  /** `engagement.updated`, or the `engagement.get` answer. */
  updated(view: EngagementView): void {
    if (!this.available) return;
    this.latest = view;
    const now = new Set(view.participants.filter((r) => r.flagged).map((r) => r.participant_id));
    const newly = view.participants.filter((r) => r.flagged && !this.flagged.has(r.participant_id));
    this.flagged = now;
    this.view.panels.setBadge(PANEL, now.size ? `${now.size} may be withdrawn` : null);
    if (newly.length === 1) this.view.announce(`Engagement: ${newly[0].name} may be withdrawn.`);
    else if (newly.length > 1) this.view.announce(`Engagement: ${newly.length} participants may be withdrawn.`);
    if (!this.editingThresholds) this.showThresholds(view.settings);
    if (this.view.panels.isOpen(PANEL)) this.render();
  }

  moodUpdated(view: MoodView): void {
    if (this.available) this.mood.update(view);
  }

  private render(): void {
    const view = this.latest;
    if (!view) return;
    // A row's button may go (no longer flagged, or gone to a check-in): the keyboard stays
    // in that row, or at the list's heading if the row itself went.
    const focused = [...this.rows].find(([, row]) => row.hasFocus())?.[0];
    const ids = new Set(view.participants.map((r) => r.participant_id));
    for (const id of [...this.rows.keys()]) if (!ids.has(id)) this.rows.delete(id);
    const items = view.participants.map((r) => {
      let row = this.rows.get(r.participant_id);
      if (!row) {
        row = new Row((r) => void this.invite(r));
        this.rows.set(r.participant_id, row);
      }
      row.update(r, this.roomName);
      return row.li;
    });
    keepOrder(this.list, items); // the server's order: flagged first
    this.empty.hidden = items.length > 0;
    if (focused !== undefined && focusLost()) {
      const row = this.rows.get(focused);
      if (row) row.focusName();
      else this.heading.focus();
    }
    const flagged = view.participants.filter((r) => r.flagged).length;
    this.heading.textContent = flagged
      ? `Participants (${view.participants.length}, ${flagged} may be withdrawn)`
      : `Participants (${view.participants.length})`;
  }

  private async invite(r: EngagementRow): Promise<void> {
    const invite = inviteToCheckIn(this.request, r.participant_id, r.name);
    this.feedback.report(await invite.sent, invite.ok, invite.failed);
  }

  private showThresholds(settings: EngagementThresholds): void {
    for (const f of this.fields) {
      const value = settings[f.key];
      f.input.value = String(f.minutes ? Math.round((value / 60) * 100) / 100 : value);
    }
  }

  private async saveThresholds(): Promise<void> {
    const engagement: EngagementSettings = {};
    for (const f of this.fields) {
      const value = Number(f.input.value);
      if (f.input.value.trim() === '' || !Number.isFinite(value) || value < 0) {
        this.feedback.fail(`“${f.label}” needs a number, 0 or more.`);
        f.input.focus();
        return;
      }
      engagement[f.key] = f.minutes ? Math.round(value * 60) : value;
    }
    const ack = await this.request('session.configure', { engagement });
    if (this.feedback.report(ack, 'The thresholds were saved for this session.', 'The thresholds were not saved.')) {
      this.editingThresholds = false;
    }
  }

  destroy(): void {
    this.feedback.destroy();
  }
}
