// The facilitator's breakout panel: make rooms, decide who goes where (by hand, at random,
// or let people choose), open them with an optional time limit, add time, write to all
// rooms, visit a room and come back, and close them. Calls for help show at the top.
//
// Like the facilitator's panel, every control is a request the server decides; the panel
// says what happened. It is redrawn in place so the keyboard focus stays where it is.

import type { Breakouts } from './breakouts';
import { MAIN_ROOM_NAME, clockText, minutesText } from './breakouts';
import { openDialog } from './dialog';
import { clear, h, keepOrder } from './dom';
import type { RequestFn } from './facilitator';
import { Feedback } from './feedback';
import { type BreakoutHelp, type BreakoutPerson, MAIN_ROOM_ID, type PublicParticipant, type RoomId } from './protocol';

const ROLE_WORDS: Record<string, string> = {
  cofacilitator: 'co-facilitator',
  observer: 'observer',
};

interface PersonRow {
  li: HTMLLIElement;
  name: HTMLElement;
  select: HTMLSelectElement;
}

export class BreakoutPanel {
  readonly el: HTMLElement;
  private readonly feedback = new Feedback();
  private readonly helpList: HTMLUListElement;
  private readonly roomsList: HTMLUListElement;
  private readonly roomsEmpty: HTMLElement;
  private readonly howMany: HTMLInputElement;
  private readonly createButton: HTMLButtonElement;
  /** "How many rooms": only before there are any (then rooms are added by name). */
  private readonly makeBox: HTMLElement;
  private readonly newName: HTMLInputElement;
  private readonly peopleList: HTMLUListElement;
  private readonly peopleSection: HTMLElement;
  private readonly randomButton: HTMLButtonElement;
  private readonly chooseSwitch: HTMLButtonElement;
  private readonly openBox: HTMLElement;
  private readonly minutes: HTMLInputElement;
  private readonly runningBox: HTMLElement;
  private readonly status: HTMLElement;
  private readonly backButton: HTMLButtonElement;
  private readonly message: HTMLTextAreaElement;
  private readonly sendSection: HTMLElement;
  private readonly rows = new Map<string, PersonRow>();
  private readonly visitButtons = new Map<string, { li: HTMLLIElement; count: HTMLElement; visit: HTMLButtonElement }>();
  private helps: BreakoutHelp[] = [];
  private readonly helpRows = new Map<string, { call: BreakoutHelp; li: HTMLElement; go: HTMLButtonElement }>();
  private readonly timer: number;

  constructor(
    private readonly request: RequestFn,
    private readonly breakouts: Breakouts,
    private readonly selfId: () => string | null,
    /** The people in our own room (newcomers not yet in the plan's list). */
    private readonly roomPeople: () => Map<string, PublicParticipant>,
    /** The calls for help changed (the panel's badge counts them). */
    private readonly helpChanged: () => void,
  ) {
    const heading = (id: string, text: string): HTMLElement => h('h3', { id, tabindex: '-1' }, text);
    const label = (forId: string, text: string): HTMLElement => h('label', { for: forId }, text);

    this.helpList = h('ul', { class: 'help-calls', 'aria-label': 'Calls for a facilitator' });

    this.roomsEmpty = h('p', { class: 'empty' }, 'No breakout rooms yet.');
    this.roomsList = h('ul', { class: 'breakout-rooms' });
    this.howMany = h('input', { type: 'number', id: 'breakout-count', min: '1', max: '20', value: '3', inputmode: 'numeric' });
    this.createButton = h('button', { type: 'button', class: 'button small primary' }, 'Create rooms');
    this.createButton.addEventListener('click', () => void this.doCreate());
    this.makeBox = h(
      'div',
      { class: 'breakout-make' },
      h('div', { class: 'field' }, label('breakout-count', 'How many rooms'), this.howMany),
      this.createButton,
    );
    this.newName = h('input', { type: 'text', id: 'breakout-name', maxlength: '60', autocomplete: 'off' });
    const addButton = h('button', { type: 'button', class: 'button small secondary' }, 'Add room');
    addButton.addEventListener('click', () => void this.doAdd());
    this.newName.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.doAdd();
    });
    this.backButton = h('button', { type: 'button', class: 'button small secondary', hidden: true }, 'Back to the main room');
    this.backButton.addEventListener('click', () => void this.doVisit(MAIN_ROOM_ID));

    this.peopleList = h('ul', { class: 'people breakout-people' });
    this.randomButton = h('button', { type: 'button', class: 'button small secondary' }, 'Assign at random');
    this.randomButton.addEventListener('click', () => void this.doRandom());
    this.chooseSwitch = h(
      'button',
      { type: 'button', class: 'switch', 'aria-pressed': 'false', 'aria-describedby': 'hint-choose' },
      h(
        'span',
        { class: 'switch-text' },
        h('span', { class: 'switch-label' }, 'Let participants choose'),
        h('span', { class: 'hint', id: 'hint-choose' }, 'Each person picks a room for themselves.'),
      ),
      h('span', { class: 'switch-state', 'aria-hidden': 'true' }, 'Off'),
    );
    this.chooseSwitch.addEventListener('click', () => void this.doLetChoose());

    this.minutes = h('input', { type: 'number', id: 'breakout-minutes', min: '0.5', max: '240', step: '0.5', inputmode: 'decimal' });
    const openButton = h('button', { type: 'button', class: 'button primary' }, 'Open rooms');
    openButton.addEventListener('click', () => void this.doOpen());
    this.openBox = h(
      'div',
      { class: 'breakout-open' },
      h('div', { class: 'field' }, label('breakout-minutes', 'Time limit in minutes (leave empty for none)'), this.minutes),
      openButton,
    );
    this.status = h('p', { class: 'breakout-status' });
    const addOne = h('button', { type: 'button', class: 'button small secondary' }, 'Add 1 minute');
    addOne.addEventListener('click', () => void this.doExtend(60));
    const addFive = h('button', { type: 'button', class: 'button small secondary' }, 'Add 5 minutes');
    addFive.addEventListener('click', () => void this.doExtend(300));
    const closeButton = h('button', { type: 'button', class: 'button small danger-outline' }, 'Close rooms');
    closeButton.addEventListener('click', () => void this.doClose());
    this.runningBox = h(
      'div',
      { class: 'breakout-running', hidden: true },
      this.status,
      h('div', { class: 'section-actions' }, addOne, addFive, closeButton),
    );

    this.message = h('textarea', { id: 'breakout-message', rows: '2', maxlength: '1000' });
    const sendButton = h('button', { type: 'button', class: 'button small primary' }, 'Send to all rooms');
    sendButton.addEventListener('click', () => void this.doBroadcast());
    this.sendSection = h(
      'section',
      { class: 'panel-section', 'aria-labelledby': 'bo-message' },
      heading('bo-message', 'Message to all rooms'),
      h('div', { class: 'field' }, label('breakout-message', 'Your message to every room'), this.message),
      h('div', { class: 'section-actions' }, sendButton),
    );

    this.peopleSection = h(
      'section',
      { class: 'panel-section', 'aria-labelledby': 'bo-people' },
      heading('bo-people', 'Who goes where'),
      this.peopleList,
      h('div', { class: 'switches' }, this.randomButton, this.chooseSwitch),
    );

    this.el = h(
      'div',
      { class: 'facilitation breakout-panel' },
      this.feedback.el,
      this.helpList,
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'bo-rooms' },
        heading('bo-rooms', 'Rooms'),
        this.roomsEmpty,
        this.roomsList,
        this.backButton,
        this.makeBox,
        h('div', { class: 'breakout-make' }, h('div', { class: 'field' }, label('breakout-name', 'New room name'), this.newName), addButton),
      ),
      this.peopleSection,
      h('section', { class: 'panel-section', 'aria-labelledby': 'bo-open' }, heading('bo-open', 'Open and close'), this.openBox, this.runningBox),
      this.sendSection,
    );
    this.timer = window.setInterval(() => this.renderStatus(), 1000);
  }

  /** Someone asks for a facilitator: shown at the top until dealt with. */
  helpCalled(event: BreakoutHelp): void {
    this.helps = [event, ...this.helps.filter((x) => x.participant_id !== event.participant_id)];
    this.renderHelp();
    this.helpChanged();
  }

  get helpCount(): number {
    return this.helps.length;
  }

  // ---- drawing ------------------------------------------------------------------------------
  render(): void {
    const state = this.breakouts.state;
    const rooms = state?.rooms ?? [];
    const open = Boolean(state?.open);
    this.roomsEmpty.hidden = rooms.length > 0;
    this.makeBox.hidden = rooms.length > 0;
    this.peopleSection.hidden = rooms.length === 0;
    this.openBox.hidden = open || rooms.length === 0;
    this.runningBox.hidden = !open;
    this.sendSection.hidden = !open;
    this.backButton.hidden = this.breakouts.roomId === MAIN_ROOM_ID;
    setSwitch(this.chooseSwitch, Boolean(state?.self_select));
    this.renderRooms();
    this.renderPeople();
    this.renderStatus();
    this.renderHelp();
  }

  private everyone(): BreakoutPerson[] {
    const known = new Map(this.breakouts.people().map((p) => [p.id, p]));
    for (const p of this.roomPeople().values()) {
      if (!known.has(p.id)) known.set(p.id, { id: p.id, name: p.name, role: p.role, room_id: this.breakouts.roomId });
    }
    return [...known.values()];
  }

  private renderRooms(): void {
    const state = this.breakouts.state;
    const rooms = state?.rooms ?? [];
    const open = Boolean(state?.open);
    const people = this.everyone();
    const seen = new Set<string>();
    const items: HTMLLIElement[] = [];
    for (const room of rooms) {
      seen.add(room.id);
      let item = this.visitButtons.get(room.id);
      if (!item) {
        const visit = h('button', { type: 'button', class: 'button small secondary' });
        visit.addEventListener('click', () => void this.doVisit(room.id));
        const count = h('span', { class: 'room-count' });
        item = { li: h('li', { class: 'breakout-room' }, h('span', { class: 'room-name' }), count, visit), count, visit };
        this.visitButtons.set(room.id, item);
      }
      (item.li.querySelector('.room-name') as HTMLElement).textContent = room.name;
      const n = open
        ? people.filter((p) => p.room_id === room.id).length
        : people.filter((p) => state?.assignments?.[p.id] === room.id).length;
      item.count.textContent = open ? `${n} here` : `${n} assigned`;
      item.visit.textContent = `Go to ${room.name}`;
      item.visit.hidden = !open || this.breakouts.roomId === room.id;
      items.push(item.li);
    }
    forgetUnseen(this.visitButtons, seen);
    keepOrder(this.roomsList, items);
  }

  private renderPeople(): void {
    const state = this.breakouts.state;
    const rooms = state?.rooms ?? [];
    const me = this.selfId();
    const people = this.everyone()
      .filter((p) => p.id !== me)
      .sort((a, b) => a.name.localeCompare(b.name));
    const seen = new Set<string>();
    const items: HTMLLIElement[] = [];
    for (const p of people) {
      seen.add(p.id);
      let row = this.rows.get(p.id);
      if (!row) {
        const select = h('select', { id: `room-for-${p.id}` });
        select.addEventListener('change', () => void this.doAssign(p.id, select.value));
        const name = h('label', { for: select.id, class: 'person-name' });
        row = { li: h('li', { class: 'person breakout-person' }, name, select), name, select };
        this.rows.set(p.id, row);
      }
      const role = ROLE_WORDS[p.role];
      row.name.textContent = role ? `${p.name} (${role})` : p.name;
      row.select.setAttribute('aria-label', `Room for ${p.name}`);
      const where = state?.open ? p.room_id : (state?.assignments?.[p.id] ?? MAIN_ROOM_ID);
      const options = [{ id: MAIN_ROOM_ID, name: MAIN_ROOM_NAME }, ...rooms];
      const current = [...row.select.options].map((o) => `${o.value}=${o.text}`).join('|');
      const wanted = options.map((o) => `${o.id}=${o.name}`).join('|');
      if (current !== wanted) {
        clear(row.select);
        for (const o of options) row.select.appendChild(h('option', { value: o.id }, o.name));
      }
      if (document.activeElement !== row.select) row.select.value = where;
      items.push(row.li);
    }
    forgetUnseen(this.rows, seen);
    keepOrder(this.peopleList, items);
  }

  private renderStatus(): void {
    if (!this.breakouts.open) return;
    const left = this.breakouts.secondsLeft();
    this.status.textContent = left === null ? 'The rooms are open, with no time limit.' : `The rooms are open: ${clockText(left)} left.`;
    this.status.setAttribute('aria-label', left === null ? this.status.textContent : `The rooms are open: ${minutesText(left).toLowerCase()} left.`);
  }

  /** The calls for help, one row per caller kept from render to render (a row rebuilt
   * whenever someone joins or mutes would take the keyboard off its buttons). */
  private renderHelp(): void {
    this.helpList.hidden = this.helps.length === 0;
    const callers = new Set(this.helps.map((call) => call.participant_id));
    for (const id of [...this.helpRows.keys()]) if (!callers.has(id)) this.helpRows.delete(id);
    const items = this.helps.map((call) => {
      let row = this.helpRows.get(call.participant_id);
      if (!row || row.call !== call) {
        row = this.helpRow(call);
        this.helpRows.set(call.participant_id, row);
      }
      row.go.hidden = call.room_id === this.breakouts.roomId;
      return row.li;
    });
    keepOrder(this.helpList, items);
  }

  private helpRow(call: BreakoutHelp): { call: BreakoutHelp; li: HTMLElement; go: HTMLButtonElement } {
    const room = this.breakouts.roomName(call.room_id);
    const go = h('button', { type: 'button', class: 'button small primary' }, `Go to ${room}`);
    go.addEventListener('click', () => {
      this.dismissHelp(call.participant_id);
      void this.doVisit(call.room_id);
    });
    const dismiss = h('button', { type: 'button', class: 'button small secondary', 'aria-label': `Dismiss, ${call.name}` }, 'Dismiss');
    dismiss.addEventListener('click', () => this.dismissHelp(call.participant_id));
    const li = h(
      'li',
      { class: 'notice info help-call' },
      h('p', {}, `${call.name} in ${room} would like a facilitator.`),
      h('div', { class: 'section-actions' }, go, dismiss),
    );
    return { call, li, go };
  }

  private dismissHelp(id: string): void {
    this.helps = this.helps.filter((x) => x.participant_id !== id);
    this.renderHelp();
    this.helpChanged();
  }

  // ---- actions -------------------------------------------------------------------------------
  private async doCreate(): Promise<void> {
    const n = Math.round(Number(this.howMany.value));
    if (!Number.isFinite(n) || n < 1 || n > 20) {
      this.feedback.fail('Choose between 1 and 20 rooms.');
      return;
    }
    const start = (this.breakouts.state?.rooms.length ?? 0) + 1;
    const names = Array.from({ length: n }, (_, i) => `Room ${start + i}`);
    this.feedback.report(await this.request('breakouts.create', { names }), `${n === 1 ? 'One room' : `${n} rooms`} made.`, 'The rooms were not made.');
  }

  private async doAdd(): Promise<void> {
    const name = this.newName.value.trim();
    if (!name) {
      this.feedback.fail('Write a name for the room first.');
      this.newName.focus();
      return;
    }
    if (this.feedback.report(await this.request('breakouts.create', { names: [name] }), `${name} made.`, 'The room was not made.')) {
      this.newName.value = '';
    }
  }

  private async doAssign(id: string, room: RoomId): Promise<void> {
    const person = this.everyone().find((p) => p.id === id)?.name ?? 'They';
    const roomName = this.breakouts.roomName(room);
    const done = this.breakouts.open ? `${person} is moving to ${roomName}.` : `${person} will go to ${roomName}.`;
    this.feedback.report(await this.request('breakouts.assign', { assignments: { [id]: room } }), done, 'Not changed.');
  }

  private async doRandom(): Promise<void> {
    this.feedback.report(
      await this.request('breakouts.assign_randomly', { keep: [] }),
      'Participants are spread evenly over the rooms. Change anyone below before you open the rooms.',
      'Not assigned.',
    );
  }

  private async doLetChoose(): Promise<void> {
    const on = !this.breakouts.state?.self_select;
    this.feedback.report(
      await this.request('breakouts.let_choose', { on }),
      on ? 'Participants can now choose their room.' : 'You assign the rooms again.',
      'Not changed.',
    );
  }

  private async doOpen(): Promise<void> {
    const raw = this.minutes.value.trim();
    const minutes = raw ? Number(raw) : null;
    if (minutes !== null && (!Number.isFinite(minutes) || minutes < 0.5 || minutes > 240)) {
      this.feedback.fail('A time limit is between half a minute and 4 hours, or leave it empty.');
      this.minutes.focus();
      return;
    }
    const payload = minutes === null ? {} : { duration_seconds: Math.round(minutes * 60) };
    this.feedback.report(await this.request('breakouts.open', payload), 'The rooms are open. Everyone is on their way.', 'The rooms did not open.');
  }

  private async doExtend(seconds: number): Promise<void> {
    this.feedback.report(
      await this.request('breakouts.extend', { seconds }),
      seconds === 60 ? 'One more minute for every room.' : `${seconds / 60} more minutes for every room.`,
      'No time added.',
    );
  }

  private async doClose(): Promise<void> {
    const answer = await openDialog({
      title: 'Close the breakout rooms?',
      text: 'Everyone comes back to the main room now.',
      confirmLabel: 'Close rooms',
    });
    if (answer === null) return;
    this.feedback.report(await this.request('breakouts.close', {}), 'The rooms are closed. Everyone is coming back.', 'The rooms are still open.');
  }

  private async doBroadcast(): Promise<void> {
    const text = this.message.value.trim();
    if (!text) {
      this.feedback.fail('Write the message first.');
      this.message.focus();
      return;
    }
    if (this.feedback.report(await this.request('breakouts.broadcast', { text }), 'Your message went to every room.', 'The message was not sent.')) {
      this.message.value = '';
    }
  }

  private async doVisit(room: RoomId): Promise<void> {
    this.feedback.report(
      await this.request('breakouts.visit', { room_id: room }),
      room === MAIN_ROOM_ID ? 'Going back to the main room.' : `Going to ${this.breakouts.roomName(room)}.`,
      'You did not move.',
    );
  }

  destroy(): void {
    window.clearInterval(this.timer);
    this.feedback.destroy();
  }
}

function setSwitch(button: HTMLButtonElement, on: boolean): void {
  button.setAttribute('aria-pressed', String(on));
  (button.querySelector('.switch-state') as HTMLElement).textContent = on ? 'On' : 'Off';
}

/** Drop the rows of what is no longer there (keepOrder takes them off the page). */
function forgetUnseen(rows: Map<string, { li: HTMLLIElement }>, seen: Set<string>): void {
  for (const id of [...rows.keys()]) if (!seen.has(id)) rows.delete(id);
}
