// Running the group, as this person sees it: the chat, raised hands, the spotlight, the
// session's settings and, for facilitators and co-facilitators (a role that can change
// live), the facilitator's panel with the waiting list.

import { BreakoutPanel } from './breakoutpanel';
import { Breakouts } from './breakouts';
import { ChatPanel } from './chat';
import { CheckIn } from './checkin';
import { FacilitatorPanel, type GroupState, type RequestFn } from './facilitator';
import {
  type ChatMessage,
  type ParticipantId,
  type PublicParticipant,
  type Role,
  type SessionSettings,
  type WaitingPerson,
  isFacilitator,
} from './protocol';
import type { RoomView } from './roomview';
import { ASK_TO_UNMUTE_ON } from './words';

const CHAT = 'chat';
const FACILITATION = 'facilitation';
const BREAKOUTS = 'breakouts';

export class Group {
  settings: SessionSettings = { locked: false, ask_to_unmute: false, roster_only: false };
  private role: Role | string;
  private waiting: WaitingPerson[] = [];
  private hands: ParticipantId[] = [];
  private spotlight: ParticipantId | null = null;
  private readonly chat: ChatPanel;
  private readonly facilitation: FacilitatorPanel;
  /** Breakout rooms: where you are (everyone) and the facilitator's breakout panel. */
  readonly breakouts: Breakouts;
  private readonly breakoutPanel: BreakoutPanel;
  /** Private check-ins: the invitation, being in one, the group's notice. */
  readonly checkIn: CheckIn;
  /** The facilitator's panel was opened once by itself (wide screens). */
  private shownOnce = false;
  private inRoom = false;

  constructor(
    private readonly view: RoomView,
    request: RequestFn,
    private readonly selfId: () => string | null,
    private readonly participants: () => Map<string, PublicParticipant>,
    role: Role | string,
    /** The room we are in (its key), for requests made for it. */
    room: () => string | null,
  ) {
    this.role = role;
    this.facilitation = new FacilitatorPanel(request, () => this.state());
    this.chat = new ChatPanel(
      {
        // With the room it was written in: not delivered elsewhere if we were moved.
        send: (to, text) => request('chat.send', { to, text, room: room() ?? undefined }),
        remove: (id) => request('chat.remove', { message_id: id }),
      },
      selfId,
      (count, latest) => {
        this.view.panels.setBadge(CHAT, count ? `${count} new` : null);
        if (latest) {
          const words = latest.to === 'facilitators' ? 'A private message' : 'A message';
          this.view.announce(`${words} from ${latest.name}. Open the chat to read it.`);
        }
      },
    );
    this.view.panels.add(FACILITATION, 'Facilitator controls', this.facilitation.el, {
      scroll: true,
      onVisible: (visible) => {
        if (visible) this.renderPanel();
      },
    });
    this.breakouts = new Breakouts({
      view,
      request,
      role: () => this.role,
      selfId,
      changed: () => this.renderBreakouts(),
      helpCalled: (event) => {
        if (!this.facilitator) return;
        this.breakoutPanel.helpCalled(event);
        const where = this.breakouts.roomName(event.room_id);
        this.view.notify(`${event.name} in ${where} would like a facilitator. The breakout panel has a button to go there.`);
      },
    });
    this.checkIn = new CheckIn({ view, request, selfId, participants });
    this.breakoutPanel = new BreakoutPanel(request, this.breakouts, selfId, participants, () => this.updateBadge());
    this.view.panels.add(BREAKOUTS, 'Breakout rooms', this.breakoutPanel.el, {
      scroll: true,
      onVisible: (visible) => {
        if (visible) this.renderBreakouts();
      },
    });
    this.view.panels.add(CHAT, 'Chat', this.chat.el, {
      onVisible: (visible) => this.chat.setVisible(visible),
    });
    this.applyRole();
  }

  /** The facilitator's panel is drawn for facilitators, while it is open. */
  private renderPanel(): void {
    if (this.facilitator && this.inRoom && this.view.panels.isOpen(FACILITATION)) this.facilitation.render();
    this.renderBreakouts();
  }

  private renderBreakouts(): void {
    if (this.facilitator && this.inRoom && this.view.panels.isOpen(BREAKOUTS)) this.breakoutPanel.render();
  }

  private state(): GroupState {
    return {
      selfId: this.selfId(),
      participants: this.participants(),
      waiting: this.waiting,
      hands: this.hands,
      spotlight: this.spotlight,
      settings: this.settings,
    };
  }

  get facilitator(): boolean {
    return isFacilitator(this.role);
  }

  /** In the room now (after the waiting room, or straight in). */
  entered(): void {
    this.inRoom = true;
    this.view.setInRoom(true);
    this.applyRole();
  }

  /** Our own role, which a facilitator may change (co-facilitator and back). */
  setRole(role: Role | string): void {
    if (role === this.role) return;
    const was = this.facilitator;
    this.role = role;
    this.applyRole();
    if (this.inRoom && was !== this.facilitator) {
      this.view.notify(
        this.facilitator
          ? 'You are now a co-facilitator. The facilitator controls are open to you.'
          : 'You are now a participant again.',
      );
    }
  }

  private applyRole(): void {
    this.chat.setRole(this.role);
    this.view.panels.setAvailable(FACILITATION, this.facilitator);
    this.view.panels.setAvailable(BREAKOUTS, this.facilitator);
    if (this.facilitator && this.inRoom) {
      this.updateBadge();
      // On a wide screen the panel is open from the start; on a phone, one tap away.
      if (!this.shownOnce && !this.view.panels.isNarrow()) this.view.panels.open(FACILITATION, false);
      this.shownOnce = true;
      this.renderPanel();
    }
  }

  setSettings(settings: SessionSettings | null | undefined): void {
    if (!settings) return;
    const before = this.settings;
    this.settings = { ...settings };
    if (this.inRoom && this.role === 'participant' && before.ask_to_unmute !== settings.ask_to_unmute) {
      this.view.notify(
        settings.ask_to_unmute ? ASK_TO_UNMUTE_ON : 'You can unmute yourself again whenever you like.',
      );
    }
    this.renderPanel();
  }

  /** Facilitators: who waits to come in (join ack `lobby`, `waiting.updated`). */
  setWaiting(waiting: WaitingPerson[] | null | undefined): void {
    if (!waiting) return;
    const known = new Set(this.waiting.map((w) => w.id));
    this.waiting = [...waiting];
    if (this.facilitator && this.inRoom) {
      const arrived = waiting.filter((w) => !known.has(w.id));
      if (arrived.length === 1) this.view.announce(`${arrived[0].name} is waiting to come in.`);
      else if (arrived.length > 1) this.view.announce(`${arrived.length} people are waiting to come in.`);
    }
    this.renderPanel();
    this.updateBadge();
  }

  setHands(queue: ParticipantId[], called: ParticipantId | null): void {
    const me = this.selfId();
    const before = this.hands;
    this.hands = [...queue];
    this.view.setHands(queue);
    this.view.setHand(me !== null && queue.includes(me));
    if (called) {
      if (called === me) this.view.notify('The facilitator has called on you. Go ahead when you are ready.');
      else {
        const name = this.participants().get(called)?.name;
        if (name) this.view.announce(`${name} was called on.`);
      }
    } else if (this.facilitator && this.inRoom) {
      const raised = queue.filter((id) => !before.includes(id) && id !== me);
      for (const id of raised) {
        const name = this.participants().get(id)?.name;
        if (name) this.view.announce(`${name} raised their hand.`);
      }
    }
    this.renderPanel();
    this.updateBadge();
  }

  setSpotlight(id: ParticipantId | null): void {
    if (id === this.spotlight) return;
    this.spotlight = id;
    this.view.setSpotlight(id);
    if (this.inRoom) {
      const me = this.selfId();
      if (id !== null && id === me) this.view.notify('The facilitator has put you in the spotlight.');
      else if (id !== null) {
        const name = this.participants().get(id)?.name;
        if (name) this.view.announce(`${name} is in the spotlight.`);
      }
    }
    this.renderPanel();
  }

  /** Someone joined, changed or left: the facilitator's rows follow. */
  peopleChanged(): void {
    this.checkIn.refresh();
    this.renderPanel();
  }

  /** We were moved to another room (breakouts, a check-in). */
  roomChanged(): void {
    this.chat.roomChanged();
  }

  chatHistory(messages: ChatMessage[] | null | undefined): void {
    if (messages) this.chat.setHistory(messages);
  }

  chatMessage(message: ChatMessage): void {
    this.chat.add(message);
  }

  chatRemoved(id: string): void {
    this.chat.removed(id);
  }

  private updateBadge(): void {
    if (!this.facilitator) return;
    const parts: string[] = [];
    if (this.waiting.length) parts.push(`${this.waiting.length} waiting`);
    if (this.hands.length) parts.push(`${this.hands.length} ${this.hands.length === 1 ? 'hand' : 'hands'}`);
    this.view.panels.setBadge(FACILITATION, parts.length ? parts.join(', ') : null);
    const calls = this.breakoutPanel.helpCount;
    this.view.panels.setBadge(BREAKOUTS, calls ? `${calls} ${calls === 1 ? 'call' : 'calls'} for help` : null);
  }

  destroy(): void {
    this.breakouts.destroy();
    this.breakoutPanel.destroy();
    this.facilitation.destroy();
    this.chat.destroy();
  }
}
