// The facilitator's panel: who waits to come in, the people in the session with a control
// for each, the raised hands, the session's switches, and ending the session.
//
// Every control is a request; the server decides (facilitation/permissions.py) and this
// panel only says what happened: a polite status line with what was done, or the server's
// reason in plain words. Destructive actions ask first. Rows are kept and updated in
// place so that keyboard focus stays where it is while the room changes.

import { attendanceSection } from './attendance';
import { inviteToCheckIn, mayInvite } from './checkin';
import { openDialog } from './dialog';
import { clear, focusLost, h, keepOrder } from './dom';
import { Feedback } from './feedback';
import {
  type Ack,
  type ParticipantId,
  type PublicParticipant,
  type RequestName,
  type Requests,
  type SessionSettings,
  type WaitingPerson,
  canPublish,
} from './protocol';

export type RequestFn = <N extends RequestName>(
  name: N,
  payload: Requests[N]['request'],
) => Promise<Ack<Requests[N]['ack']>>;

/** What the panel shows, read from the call whenever something changes. */
export interface GroupState {
  selfId: string | null;
  /** Everyone in the room (ourselves included). */
  participants: Map<string, PublicParticipant>;
  waiting: WaitingPerson[];
  hands: ParticipantId[];
  spotlight: ParticipantId | null;
  settings: SessionSettings;
}

const ROLE_NAMES: Record<string, string> = {
  facilitator: 'Facilitator',
  cofacilitator: 'Co-facilitator',
  participant: 'Participant',
  observer: 'Observer',
};

function waitedFor(since: number | null): string {
  if (!since) return 'Waiting';
  const minutes = Math.floor(Math.max(0, Date.now() / 1000 - since) / 60);
  if (minutes < 1) return 'Waiting less than a minute';
  return minutes === 1 ? 'Waiting 1 min' : `Waiting ${minutes} min`;
}

/** A button whose accessible name ends with whom it is for ("Mute microphone, Sam"): it
 * starts with the visible words, so speech control finds it by what it shows. */
function personButton(label: string, className = 'button small secondary'): {
  button: HTMLButtonElement;
  setName(name: string): void;
  setLabel(label: string): void;
} {
  const text = h('span', { class: 'label' }, label);
  const button = h('button', { type: 'button', class: className }, text);
  let who = '';
  const name = (): void => button.setAttribute('aria-label', who ? `${text.textContent}, ${who}` : String(text.textContent));
  return {
    button,
    setName: (n) => {
      who = n;
      name();
    },
    setLabel: (l) => {
      text.textContent = l;
      name();
    },
  };
}

function chip(text: string, className = ''): HTMLElement {
  return h('li', { class: `chip ${className}`.trim() }, text);
}


class PersonRow {
  readonly li: HTMLLIElement;
  readonly nameEl: HTMLElement;
  private readonly roleEl: HTMLElement;
  private readonly chips: HTMLUListElement;
  readonly mute = personButton('Mute microphone');
  readonly camera = personButton('Stop camera');
  readonly allow = personButton('Allow to unmute', 'button small primary');
  /** The same, among the other actions, for someone who has not asked. */
  readonly allowUnasked = personButton('Allow to unmute');
  readonly lowerHand = personButton('Lower hand');
  readonly more = personButton('More');
  readonly spotlight = personButton('Spotlight');
  readonly checkIn = personButton('Check in privately');
  readonly promote = personButton('Make co-facilitator');
  readonly remove = personButton('Remove', 'button small danger-outline');
  private readonly moreBox: HTMLElement;
  person: PublicParticipant;

  constructor(p: PublicParticipant, id: string) {
    this.person = p;
    this.nameEl = h('p', { class: 'person-name', tabindex: '-1' });
    this.roleEl = h('span', { class: 'person-role' });
    this.chips = h('ul', { class: 'chips', 'aria-label': 'State' });
    this.moreBox = h(
      'div',
      { class: 'person-more', id: `more-${id}`, hidden: true },
      this.checkIn.button,
      this.allowUnasked.button,
      this.spotlight.button,
      this.promote.button,
      this.remove.button,
    );
    this.more.button.setAttribute('aria-expanded', 'false');
    this.more.button.setAttribute('aria-controls', this.moreBox.id);
    this.more.button.addEventListener('click', () => this.setMore(this.moreBox.hidden));
    this.li = h(
      'li',
      { class: 'person' },
      h('div', { class: 'person-head' }, this.nameEl, this.roleEl),
      this.chips,
      h(
        'div',
        { class: 'person-actions' },
        this.mute.button,
        this.camera.button,
        this.allow.button,
        this.lowerHand.button,
        this.more.button,
      ),
      this.moreBox,
    );
  }

  setMore(open: boolean): void {
    this.moreBox.hidden = !open;
    this.more.button.setAttribute('aria-expanded', String(open));
  }

  update(p: PublicParticipant, state: GroupState): void {
    this.person = p;
    const self = p.id === state.selfId;
    const pub = canPublish(p.role);
    const handUp = state.hands.includes(p.id);
    const spotlit = state.spotlight === p.id;
    const asking = state.settings.ask_to_unmute && p.role === 'participant';
    this.nameEl.textContent = self ? `${p.name} (you)` : p.name;
    this.roleEl.textContent = ROLE_NAMES[p.role] ?? p.role;
    for (const b of [
      this.mute,
      this.camera,
      this.allow,
      this.allowUnasked,
      this.lowerHand,
      this.more,
      this.spotlight,
      this.checkIn,
      this.promote,
      this.remove,
    ]) {
      b.setName(p.name);
    }

    clear(this.chips);
    if (p.connection === 'reconnecting') this.chips.append(chip('Reconnecting…', 'warn'));
    if (pub) {
      this.chips.append(chip(p.audio_muted || p.audio_blocked ? 'Microphone off' : 'Microphone on', p.audio_muted || p.audio_blocked ? '' : 'on'));
      this.chips.append(chip(p.video_off || p.video_blocked ? 'Camera off' : 'Camera on', p.video_off || p.video_blocked ? '' : 'on'));
    } else {
      this.chips.append(chip('Observing'));
    }
    if (handUp) this.chips.append(chip('Hand raised', 'attention'));
    if (p.unmute_requested) this.chips.append(chip('Asked to unmute', 'attention'));
    if (asking && p.may_unmute) this.chips.append(chip('May unmute'));
    if (spotlit) this.chips.append(chip('In the spotlight'));

    this.mute.button.hidden = self || !pub || p.audio_muted || Boolean(p.audio_blocked);
    this.camera.button.hidden = self || !pub || p.video_off || Boolean(p.video_blocked);
    // Someone who asked gets the answer at hand; anyone else can be allowed from "More".
    const mayAllow = !self && asking && !p.may_unmute;
    this.allow.button.hidden = !mayAllow || !p.unmute_requested;
    this.allowUnasked.button.hidden = !mayAllow || Boolean(p.unmute_requested);
    this.lowerHand.button.hidden = self || !handUp;
    this.spotlight.setLabel(spotlit ? 'Remove spotlight' : 'Spotlight');
    const promotable = !self && (p.role === 'participant' || p.role === 'cofacilitator');
    this.promote.button.hidden = !promotable;
    this.promote.setLabel(p.role === 'cofacilitator' ? 'Make participant' : 'Make co-facilitator');
    this.remove.button.hidden = self || p.role === 'facilitator';
    // A private word: with a participant who is here now.
    this.checkIn.button.hidden = self || !mayInvite(p);
  }
}

class WaitingRow {
  readonly li: HTMLLIElement;
  readonly nameEl: HTMLElement;
  private readonly chips: HTMLUListElement;
  readonly admit = personButton('Admit', 'button small primary');
  readonly deny = personButton('Deny', 'button small danger-outline');
  person: WaitingPerson;

  constructor(p: WaitingPerson) {
    this.person = p;
    this.nameEl = h('p', { class: 'person-name', tabindex: '-1' });
    this.chips = h('ul', { class: 'chips', 'aria-label': 'State' });
    this.li = h(
      'li',
      { class: 'person waiting-person' },
      this.nameEl,
      this.chips,
      h('div', { class: 'person-actions' }, this.admit.button, this.deny.button),
    );
  }

  update(p: WaitingPerson, admitted: boolean): void {
    this.person = p;
    this.nameEl.textContent = p.name;
    this.admit.setName(p.name);
    this.deny.setName(p.name);
    clear(this.chips);
    this.chips.append(chip(waitedFor(p.waiting_since)));
    if (p.role === 'observer') this.chips.append(chip('Observer'));
    this.chips.append(
      p.rules_accepted
        ? chip('Accepted the ground rules', 'on')
        : chip('Has not accepted the ground rules yet'),
    );
    if (admitted) this.chips.append(chip('Admitted: will come in after accepting the rules', 'attention'));
    if (p.connection === 'reconnecting') this.chips.append(chip('Reconnecting…', 'warn'));
    this.admit.button.hidden = admitted;
  }
}

export class FacilitatorPanel {
  readonly el: HTMLElement;
  private readonly feedback = new Feedback();
  private readonly waitingList: HTMLUListElement;
  private readonly waitingEmpty: HTMLElement;
  private readonly waitingHeading: HTMLElement;
  private readonly admitAll: HTMLButtonElement;
  private readonly handsList: HTMLOListElement;
  private readonly handsEmpty: HTMLElement;
  private readonly handsHeading: HTMLElement;
  private readonly callNext: HTMLButtonElement;
  private readonly peopleList: HTMLUListElement;
  private readonly peopleHeading: HTMLElement;
  private readonly muteAll: HTMLButtonElement;
  private readonly askSwitch: HTMLButtonElement;
  private readonly allowAll: HTMLButtonElement;
  private readonly lockSwitch: HTMLButtonElement;
  private readonly endButton: HTMLButtonElement;
  private readonly waitingRows = new Map<string, WaitingRow>();
  private readonly personRows = new Map<string, PersonRow>();
  private readonly handRows = new Map<string, { li: HTMLLIElement; name: HTMLElement; lower: ReturnType<typeof personButton> }>();
  /** Admitted here, still reading the ground rules (the waiting list does not say). */
  private readonly admitted = new Set<string>();
  private readonly clock: number;

  constructor(
    private readonly request: RequestFn,
    private readonly state: () => GroupState,
  ) {
    const heading = (text: string): HTMLElement => h('h3', { tabindex: '-1' }, text);

    this.waitingHeading = heading('Waiting to come in');
    this.waitingEmpty = h('p', { class: 'empty' }, 'Nobody is waiting.');
    this.waitingList = h('ul', { class: 'people' });
    this.admitAll = h('button', { type: 'button', class: 'button small secondary' }, 'Admit all');
    this.admitAll.addEventListener('click', () => void this.doAdmitAll());

    this.handsHeading = heading('Raised hands');
    this.handsEmpty = h('p', { class: 'empty' }, 'No hands are raised.');
    this.handsList = h('ol', { class: 'hands' });
    this.callNext = h('button', { type: 'button', class: 'button small primary' }, 'Call next');
    this.callNext.addEventListener('click', () => void this.doCallNext());

    this.muteAll = h('button', { type: 'button', class: 'button small secondary' }, 'Mute everyone');
    this.muteAll.addEventListener('click', () => void this.doMuteAll());
    this.askSwitch = this.makeSwitch('Ask to unmute', 'Participants ask before they speak.');
    this.askSwitch.addEventListener('click', () => void this.doAskToUnmute());
    this.allowAll = h('button', { type: 'button', class: 'button small secondary' }, 'Allow everyone to unmute');
    this.allowAll.addEventListener('click', () => void this.doAllowAll());
    this.lockSwitch = this.makeSwitch('Lock session', 'Nobody new can come in. People already here can reconnect.');
    this.lockSwitch.addEventListener('click', () => void this.doLock());

    this.peopleHeading = heading('Participants');
    this.peopleList = h('ul', { class: 'people' });

    this.endButton = h('button', { type: 'button', class: 'button danger' }, 'End session for everyone');
    this.endButton.addEventListener('click', () => void this.doEnd());

    this.el = h(
      'div',
      { class: 'facilitation' },
      this.feedback.el,
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'fac-waiting' },
        Object.assign(this.waitingHeading, { id: 'fac-waiting' }),
        this.waitingEmpty,
        this.waitingList,
        h('div', { class: 'section-actions' }, this.admitAll),
      ),
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'fac-hands' },
        Object.assign(this.handsHeading, { id: 'fac-hands' }),
        this.handsEmpty,
        this.handsList,
        h('div', { class: 'section-actions' }, this.callNext),
      ),
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'fac-room' },
        h('h3', { id: 'fac-room', tabindex: '-1' }, 'Sound and entry'),
        h('div', { class: 'switches' }, this.muteAll, this.askSwitch, this.allowAll, this.lockSwitch),
      ),
      h(
        'section',
        { class: 'panel-section', 'aria-labelledby': 'fac-people' },
        Object.assign(this.peopleHeading, { id: 'fac-people' }),
        this.peopleList,
      ),
      attendanceSection(this.request, this.feedback),
      h('section', { class: 'panel-section end', 'aria-label': 'End the session' }, this.endButton),
    );
    // "Waiting N min" moves on by itself.
    this.clock = window.setInterval(() => {
      if (this.el.isConnected && this.waitingRows.size) this.renderWaiting();
    }, 20_000);
  }

  private makeSwitch(label: string, hint: string): HTMLButtonElement {
    const id = `hint-${label.toLowerCase().replace(/\W+/g, '-')}`;
    const button = h(
      'button',
      { type: 'button', class: 'switch', 'aria-pressed': 'false', 'aria-describedby': id },
      h('span', { class: 'switch-text' }, h('span', { class: 'switch-label' }, label), h('span', { class: 'hint', id }, hint)),
      h('span', { class: 'switch-state', 'aria-hidden': 'true' }, 'Off'),
    );
    return button;
  }

  private setSwitch(button: HTMLButtonElement, on: boolean): void {
    button.setAttribute('aria-pressed', String(on));
    (button.querySelector('.switch-state') as HTMLElement).textContent = on ? 'On' : 'Off';
  }

  // ---- rendering --------------------------------------------------------------------------
  render(): void {
    this.renderWaiting();
    this.renderHands();
    this.renderPeople();
    const { settings } = this.state();
    this.setSwitch(this.askSwitch, settings.ask_to_unmute);
    this.setSwitch(this.lockSwitch, settings.locked);
    this.allowAll.hidden = !settings.ask_to_unmute;
  }

  private renderWaiting(): void {
    const { waiting } = this.state();
    const ids = new Set(waiting.map((w) => w.id));
    for (const [id] of this.waitingRows) if (!ids.has(id)) this.waitingRows.delete(id);
    for (const id of [...this.admitted]) if (!ids.has(id)) this.admitted.delete(id);
    const items = waiting.map((w) => {
      let row = this.waitingRows.get(w.id);
      if (!row) {
        const created = new WaitingRow(w);
        created.admit.button.addEventListener('click', () => void this.doAdmit(created));
        created.deny.button.addEventListener('click', () => void this.doDeny(created));
        this.waitingRows.set(w.id, created);
        row = created;
      }
      row.update(w, this.admitted.has(w.id));
      return row.li;
    });
    keepOrder(this.waitingList, items);
    this.waitingEmpty.hidden = waiting.length > 0;
    this.waitingHeading.textContent = waiting.length ? `Waiting to come in (${waiting.length})` : 'Waiting to come in';
    this.admitAll.hidden = !waiting.some((w) => !this.admitted.has(w.id));
  }

  private renderHands(): void {
    const { hands, participants } = this.state();
    for (const [id] of this.handRows) if (!hands.includes(id)) this.handRows.delete(id);
    const items = hands.map((id) => {
      let row = this.handRows.get(id);
      if (!row) {
        const lower = personButton('Lower hand');
        const name = h('span', { class: 'hand-name' });
        const created = { li: h('li', { class: 'hand-row' }, name, lower.button), name, lower };
        lower.button.addEventListener('click', () => void this.doLowerHand(id));
        this.handRows.set(id, created);
        row = created;
      }
      const person = participants.get(id);
      row.name.textContent = person?.name ?? 'Someone';
      row.lower.setName(person?.name ?? 'Someone');
      return row.li;
    });
    keepOrder(this.handsList, items);
    this.handsEmpty.hidden = hands.length > 0;
    this.handsHeading.textContent = hands.length ? `Raised hands (${hands.length})` : 'Raised hands';
    this.callNext.hidden = hands.length === 0;
    if (hands.length) {
      const first = participants.get(hands[0])?.name ?? 'the first person';
      this.callNext.setAttribute('aria-description', `Next: ${first}`);
      this.callNext.title = `Next: ${first}`;
    }
  }

  private renderPeople(): void {
    const state = this.state();
    const people = [...state.participants.values()].sort((a, b) => a.seat - b.seat);
    const ids = new Set(people.map((p) => p.id));
    for (const [id] of this.personRows) if (!ids.has(id)) this.personRows.delete(id);
    const items = people.map((p) => {
      let row = this.personRows.get(p.id);
      if (!row) {
        const created = new PersonRow(p, p.id);
        this.wireRow(created);
        this.personRows.set(p.id, created);
        row = created;
      }
      row.update(p, state);
      return row.li;
    });
    keepOrder(this.peopleList, items);
    this.peopleHeading.textContent = `Participants (${people.length})`;
  }

  private wireRow(row: PersonRow): void {
    const id = (): string => row.person.id;
    const name = (): string => row.person.name;
    row.mute.button.addEventListener('click', () =>
      void this.act(row, this.request('moderate.mute', { participant_id: id(), audio: true }), `${name()} was muted.`, `${name()} was not muted.`),
    );
    row.camera.button.addEventListener('click', () =>
      void this.act(row, this.request('moderate.mute', { participant_id: id(), video: true }), `${name()}’s camera was stopped.`, `${name()}’s camera was not stopped.`),
    );
    for (const allow of [row.allow, row.allowUnasked]) {
      allow.button.addEventListener('click', () =>
        void this.act(
          row,
          this.request('unmute.allow', { participant_id: id() }),
          `${name()} may unmute now.`,
          `${name()} was not allowed to unmute.`,
        ),
      );
    }
    row.lowerHand.button.addEventListener('click', () => void this.doLowerHand(id(), row));
    row.spotlight.button.addEventListener('click', () => {
      const on = this.state().spotlight !== id();
      void this.act(
        row,
        this.request('room.spotlight', on ? { participant_id: id() } : {}),
        on ? `${name()} is in the spotlight.` : 'The spotlight was removed.',
        on ? `${name()} was not put in the spotlight.` : 'The spotlight was not removed.',
      );
    });
    row.promote.button.addEventListener('click', () => {
      const role = row.person.role === 'cofacilitator' ? 'participant' : 'cofacilitator';
      const words = role === 'cofacilitator' ? 'a co-facilitator' : 'a participant';
      void this.act(
        row,
        this.request('moderate.promote', { participant_id: id(), role }),
        `${name()} is now ${words}.`,
        `${name()} was not made ${words}.`,
      );
    });
    row.remove.button.addEventListener('click', () => void this.doRemove(row));
    row.checkIn.button.addEventListener('click', () => {
      const invite = inviteToCheckIn(this.request, id(), name());
      void this.act(row, invite.sent, invite.ok, invite.failed);
    });
  }

  // ---- actions -------------------------------------------------------------------------------
  /** Send, say what happened, and keep the keyboard focus somewhere sensible. */
  private async act(
    row: PersonRow | WaitingRow | null,
    pending: Promise<Ack<unknown>>,
    done: string,
    failed: string,
    fallback?: () => HTMLElement | null,
  ): Promise<boolean> {
    const ok = this.feedback.report(await pending, done, failed);
    this.keepFocus(row, fallback);
    return ok;
  }

  private keepFocus(row: PersonRow | WaitingRow | null, fallback?: () => HTMLElement | null): void {
    // Let the events that follow the answer update the rows first.
    window.setTimeout(() => {
      if (!focusLost()) return;
      if (row && row.li.isConnected) row.nameEl.focus();
      else fallback?.()?.focus();
    }, 150);
  }

  private async doAdmit(row: WaitingRow): Promise<void> {
    const p = row.person;
    const rulesPending = !p.rules_accepted;
    const ok = await this.act(
      row,
      this.request('admission.admit', { participant_id: p.id }),
      rulesPending
        ? `${p.name} was admitted and will come in after accepting the ground rules.`
        : `${p.name} was let in.`,
      `${p.name} was not let in.`,
      () => this.waitingHeading,
    );
    if (ok && rulesPending) {
      this.admitted.add(p.id);
      this.renderWaiting();
    }
  }

  private async doAdmitAll(): Promise<void> {
    const { waiting } = this.state();
    const ok = await this.act(
      null,
      this.request('admission.admit_all', {}),
      'Everyone waiting was admitted.',
      'Nobody was let in.',
      () => this.waitingHeading,
    );
    if (ok) {
      for (const w of waiting) if (!w.rules_accepted) this.admitted.add(w.id);
      this.renderWaiting();
    }
  }

  private async doDeny(row: WaitingRow): Promise<void> {
    const p = row.person;
    const choice = await openDialog({
      title: `Do not admit ${p.name}?`,
      text: `${p.name} will not be able to join this session with their link.`,
      confirmLabel: 'Do not admit',
      danger: true,
      fields: [
        {
          kind: 'text',
          label: `Message to ${p.name} (optional)`,
          hint: 'They will see it when they are turned away.',
          maxLength: 300,
        },
      ],
      fallbackFocus: () => this.waitingHeading,
    });
    if (!choice) return;
    const message = String(choice[0] ?? '');
    await this.act(
      row,
      this.request('admission.deny', message ? { participant_id: p.id, message } : { participant_id: p.id }),
      `${p.name} was not admitted.`,
      `${p.name} is still waiting.`,
      () => this.waitingHeading,
    );
  }

  private async doCallNext(): Promise<void> {
    const { hands, participants } = this.state();
    const name = participants.get(hands[0] ?? '')?.name ?? 'The next person';
    await this.act(null, this.request('hand.next', {}), `${name} was called on.`, 'Nobody was called on.', () =>
      this.callNext.hidden ? this.handsHeading : this.callNext,
    );
  }

  private async doLowerHand(id: string, row: PersonRow | null = null): Promise<void> {
    const name = this.state().participants.get(id)?.name ?? 'Their';
    await this.act(
      row,
      this.request('hand.lower', { participant_id: id }),
      `${name}’s hand was lowered.`,
      `${name}’s hand was not lowered.`,
      () => this.handsHeading,
    );
  }

  private async doMuteAll(): Promise<void> {
    await this.act(
      null,
      this.request('moderate.mute_all', {}),
      'Everyone was muted, except the facilitators. They can unmute themselves when they want to speak.',
      'Nobody was muted.',
    );
  }

  private async doAskToUnmute(): Promise<void> {
    const on = !this.state().settings.ask_to_unmute;
    await this.act(
      null,
      this.request('moderate.ask_to_unmute', { on }),
      on
        ? 'Ask to unmute is on: participants ask before they unmute.'
        : 'Ask to unmute is off: participants can unmute themselves.',
      on ? 'Ask to unmute was not turned on.' : 'Ask to unmute was not turned off.',
    );
  }

  private async doAllowAll(): Promise<void> {
    await this.act(
      null,
      this.request('unmute.allow', {}),
      'Everyone may unmute now.',
      'Nobody was allowed to unmute.',
    );
  }

  private async doLock(): Promise<void> {
    const locked = !this.state().settings.locked;
    await this.act(
      null,
      this.request('session.configure', { locked }),
      locked ? 'The session is locked: nobody new can come in.' : 'The session is open to newcomers again.',
      locked ? 'The session was not locked.' : 'The session was not unlocked.',
    );
  }

  private async doRemove(row: PersonRow): Promise<void> {
    const p = row.person;
    const choice = await openDialog({
      title: `Remove ${p.name} from the session?`,
      text: `${p.name} will leave the session now.`,
      confirmLabel: 'Remove',
      danger: true,
      fields: [{ kind: 'checkbox', label: 'Keep them out of this session' }],
      fallbackFocus: () => this.peopleHeading,
    });
    if (!choice) return;
    const keepOut = Boolean(choice[0]);
    await this.act(
      row,
      this.request('moderate.remove', { participant_id: p.id, keep_out: keepOut }),
      keepOut
        ? `${p.name} was removed and cannot come back to this session.`
        : `${p.name} was removed from the session.`,
      `${p.name} was not removed.`,
      () => this.peopleHeading,
    );
  }

  private async doEnd(): Promise<void> {
    const choice = await openDialog({
      title: 'End the session for everyone?',
      text: 'Everyone will leave, and the link will not open this session again.',
      confirmLabel: 'End session',
      danger: true,
      fields: [
        {
          kind: 'text',
          label: 'Closing message (optional)',
          hint: 'Everyone will see it as the session ends.',
          maxLength: 500,
        },
      ],
    });
    if (!choice) return;
    const message = String(choice[0] ?? '');
    // On success the session ends (session.ended) and the call shows the closing screen.
    const ack = await this.request('session.end', message ? { message } : {});
    if (!ack.ok) this.feedback.fail(`The session was not ended. ${ack.error.message}`);
  }

  destroy(): void {
    window.clearInterval(this.clock);
    this.feedback.destroy();
  }
}
