// Breakout rooms as everyone sees them: where you are going, where you are (the room's
// name and the time left), the facilitator's messages to all rooms, choosing a room when
// the facilitator lets people choose, and a button to call a facilitator.
//
// The server moves people (`breakout.moving`, then `room.entered`); this module only says
// so, plainly, and keeps the breakout state that the facilitator's panel draws from.

import { isCheckInRoom } from './checkin';
import { h, keepOrder } from './dom';
import type { RequestFn } from './facilitator';
import {
  type BreakoutBroadcast,
  type BreakoutHelp,
  type BreakoutMoving,
  type BreakoutPerson,
  type BreakoutsView,
  type BreakoutWarning,
  MAIN_ROOM_ID,
  type RoomId,
  isFacilitator,
} from './protocol';
import type { RoomView } from './roomview';

export const MAIN_ROOM_NAME = 'Main room';

/** "4:05", for the visible countdown. */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "About 4 minutes", for words read aloud. */
export function minutesText(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (seconds < 60) return 'Less than a minute';
  return minutes === 1 ? 'About 1 minute' : `About ${minutes} minutes`;
}

/** The room id in a room key ("<session>/<room>"). */
export function roomIdOf(key: string | null): RoomId {
  if (!key) return MAIN_ROOM_ID;
  const i = key.lastIndexOf('/');
  return i >= 0 ? key.slice(i + 1) : key;
}

export interface BreakoutHost {
  view: RoomView;
  request: RequestFn;
  role: () => string;
  selfId: () => string | null;
  /** The facilitator's panel follows the state (and hears calls for help). */
  changed: () => void;
  helpCalled: (event: BreakoutHelp) => void;
}

export class Breakouts {
  /** The last state heard (merged: the public view keeps the plan we already know). */
  state: BreakoutsView | null = null;
  /** The room we are in now. */
  roomId: RoomId = MAIN_ROOM_ID;
  /** Local time (ms) at which the timer ends, from the server's `end_at - now`. */
  private endsAt: number | null = null;
  private readonly bar: HTMLElement;
  private readonly where: HTMLElement;
  private readonly timeEl: HTMLElement;
  private readonly helpButton: HTMLButtonElement;
  private readonly choose: HTMLElement;
  private readonly chooseList: HTMLElement;
  private readonly chooseButtons = new Map<RoomId, HTMLButtonElement>();
  private readonly messages: HTMLElement;
  private readonly tickTimer: number;
  private warned = false;

  constructor(private readonly host: BreakoutHost) {
    this.where = h('p', { class: 'breakout-where' });
    this.timeEl = h('p', { class: 'breakout-time', hidden: true });
    this.helpButton = h('button', { type: 'button', class: 'button small secondary', hidden: true }, 'Call facilitator');
    this.helpButton.addEventListener('click', () => void this.callFacilitator());
    this.chooseList = h('div', { class: 'breakout-choices', role: 'group', 'aria-labelledby': 'breakout-choose-title' });
    this.choose = h(
      'div',
      { class: 'breakout-choose', hidden: true },
      h('p', { id: 'breakout-choose-title' }, 'Choose your breakout room'),
      this.chooseList,
    );
    this.messages = h('div', { class: 'breakout-messages' });
    this.bar = h(
      'section',
      { class: 'breakout-bar', 'aria-label': 'Breakout rooms', hidden: true },
      h('div', { class: 'breakout-line' }, this.where, this.timeEl, this.helpButton),
      this.choose,
    );
    host.view.addNotice(this.bar);
    host.view.addNotice(this.messages);
    this.tickTimer = window.setInterval(() => this.tick(), 1000);
  }

  get open(): boolean {
    return Boolean(this.state?.open);
  }

  roomName(id: RoomId): string {
    if (id === MAIN_ROOM_ID) return MAIN_ROOM_NAME;
    if (isCheckInRoom(id)) return 'Private check-in';
    return this.state?.rooms.find((r) => r.id === id)?.name ?? 'a breakout room';
  }

  /** Seconds left on the timer, or null without one. */
  secondsLeft(): number | null {
    return this.endsAt === null ? null : Math.max(0, (this.endsAt - Date.now()) / 1000);
  }

  /** People the facilitator's panel lists (facilitators only). */
  people(): BreakoutPerson[] {
    return this.state?.people ?? [];
  }

  // ---- events -------------------------------------------------------------------------------
  update(view: BreakoutsView | null | undefined): void {
    if (!view) return;
    const before = this.state;
    // Facilitators hear both the plan and the public view: the plan stays.
    this.state = {
      ...view,
      assignments: view.assignments ?? before?.assignments,
      people: view.people ?? before?.people,
    };
    this.endsAt = view.open && view.end_at !== null ? Date.now() + (view.end_at - view.now) * 1000 : null;
    const left = this.secondsLeft();
    if (left === null || left > 61) this.warned = false;
    if (before && before.open && view.open && before.end_at !== null && view.end_at !== null && view.end_at > before.end_at + 1) {
      this.host.view.announce(`More time: ${minutesText(left ?? 0).toLowerCase()} left in the breakout rooms.`);
    }
    this.render();
    this.host.changed();
  }

  /** Just before the server moves us: say where. */
  moving(event: BreakoutMoving): void {
    const text = event.room_id === MAIN_ROOM_ID ? 'You are going back to the main room…' : `You are going to ${event.name}…`;
    this.where.textContent = text;
    this.bar.hidden = false;
    this.host.view.announce(text);
  }

  /** In a room now (a move, a rejoin, or the first join). */
  entered(roomKey: string, others: string[], moved: boolean): void {
    this.roomId = roomIdOf(roomKey);
    this.render();
    if (!moved) return;
    const name = this.roomId === MAIN_ROOM_ID ? 'the main room' : this.roomName(this.roomId);
    const withWhom =
      others.length === 0 ? 'Nobody else is here yet.' : `Here with you: ${others.join(', ')}.`;
    this.host.view.announce(`You are in ${name}. ${withWhom}`);
  }

  warning(event: BreakoutWarning): void {
    if (this.warned) return;
    this.warned = true;
    const text =
      event.seconds_left >= 50
        ? 'One minute left. The breakout rooms close soon and everyone comes back to the main room.'
        : 'Less than a minute left. Everyone comes back to the main room soon.';
    this.host.view.notify(text);
    this.bar.classList.add('ending');
  }

  /** The facilitator's message to every room: stays until read and dismissed. */
  broadcast(event: BreakoutBroadcast): void {
    if (event.from === this.host.selfId()) return; // the sender's panel says it went
    const dismiss = h('button', { type: 'button', class: 'button small secondary' }, 'Dismiss');
    const box = h(
      'div',
      { class: 'notice info broadcast', role: 'status' },
      h('p', { class: 'broadcast-from' }, `Message to all rooms from ${event.name}`),
      h('p', { class: 'broadcast-text' }, event.text),
      dismiss,
    );
    dismiss.addEventListener('click', () => box.remove());
    // At most three kept: the newest first.
    this.messages.prepend(box);
    while (this.messages.children.length > 3) this.messages.lastElementChild?.remove();
    this.host.view.announce(`Message to all rooms from ${event.name}: ${event.text}`);
  }

  help(event: BreakoutHelp): void {
    this.host.helpCalled(event);
  }

  // ---- own actions --------------------------------------------------------------------------
  private async callFacilitator(): Promise<void> {
    const ack = await this.host.request('breakouts.help', {});
    this.host.view.notify(
      ack.ok ? 'The facilitators know you would like help. Someone will join your room soon.' : ack.error.message,
    );
  }

  private async chooseRoom(id: RoomId): Promise<void> {
    const ack = await this.host.request('breakouts.choose', { room_id: id });
    if (!ack.ok) {
      this.host.view.notify(ack.error.message);
      return;
    }
    if (!this.open) this.host.view.notify(`You chose ${this.roomName(id)}. You will go there when the rooms open.`);
  }

  // ---- drawing ------------------------------------------------------------------------------
  private render(): void {
    const state = this.state;
    const inCheckIn = isCheckInRoom(this.roomId);
    const inBreakout = this.roomId !== MAIN_ROOM_ID && !inCheckIn;
    const facilitator = isFacilitator(this.host.role());
    this.host.view.setTitle(this.roomId === MAIN_ROOM_ID ? 'Group session' : this.roomName(this.roomId));
    if (inBreakout) this.where.textContent = `You are in the breakout room ${this.roomName(this.roomId)}.`;
    else if (state?.open) this.where.textContent = 'Breakout rooms are open. You are in the main room.';
    else this.where.textContent = '';
    this.helpButton.hidden = !inBreakout || facilitator;

    const choosing = Boolean(state && state.self_select && state.rooms.length && !facilitator);
    this.choose.hidden = !choosing;
    if (choosing && state) {
      // One button per room, kept from update to update: the one just pressed keeps focus.
      const buttons = state.rooms.map((room) => {
        let button = this.chooseButtons.get(room.id);
        if (!button) {
          button = h('button', { type: 'button', class: 'button small secondary' });
          button.addEventListener('click', () => void this.chooseRoom(room.id));
          this.chooseButtons.set(room.id, button);
        }
        button.textContent = `Join ${room.name}`;
        button.setAttribute('aria-pressed', String(room.id === this.roomId));
        return button;
      });
      keepOrder(this.chooseList, buttons);
    }
    this.bar.classList.toggle('ending', this.warned);
    this.tick();
    // In a private check-in, its own notice says where you are.
    this.bar.hidden = inCheckIn || (!inBreakout && !state?.open && !choosing);
  }

  private tick(): void {
    const left = this.secondsLeft();
    this.timeEl.hidden = left === null;
    if (left === null) return;
    this.timeEl.textContent = `${clockText(left)} left`;
    this.timeEl.setAttribute('aria-label', `${minutesText(left)} left`);
  }

  destroy(): void {
    window.clearInterval(this.tickTimer);
  }
}
