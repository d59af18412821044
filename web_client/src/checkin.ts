// Private check-ins as each side sees them. The participant gets a gentle invitation
// (yes, or "not now"); in the check-in both see who they are with, that nobody else can
// see or hear them, and a button to end it. The rest of the group sees only that the
// facilitator stepped out for a moment. The server moves people (`room.entered`).

import { openDialog } from './dialog';
import { h } from './dom';
import type { RequestFn } from './facilitator';
import {
  type Ack,
  CHECKIN_PREFIX,
  type CheckInInvited,
  type CheckInSteppedOut,
  type CheckInUpdated,
  type PublicParticipant,
  type Requests,
} from './protocol';
import type { RoomView } from './roomview';

export function isCheckInRoom(roomId: string): boolean {
  return roomId.startsWith(CHECKIN_PREFIX);
}

/** Whether to offer "Check in privately" for someone (the server's `checkin.invite` has
 * the rule; this keeps the button away where it would only be refused): a participant
 * who is here now and not already in a check-in. */
export function mayInvite(p: { role?: string; connection: string; room_id?: string }): boolean {
  return (p.role ?? 'participant') === 'participant' && p.connection === 'connected' && !isCheckInRoom(p.room_id ?? '');
}

/** A facilitator asks someone for a private word (from the roster or the Engagement
 * panel): the request, and what to say when it went out or did not. */
export function inviteToCheckIn(
  request: RequestFn,
  participantId: string,
  name: string,
): { sent: Promise<Ack<Requests['checkin.invite']['ack']>>; ok: string; failed: string } {
  return {
    sent: request('checkin.invite', { participant_id: participantId }),
    ok: `${name} is asked for a private word. Waiting for their answer.`,
    failed: `${name} was not asked.`,
  };
}

export interface CheckInHost {
  view: RoomView;
  request: RequestFn;
  selfId: () => string | null;
  participants: () => Map<string, PublicParticipant>;
}

export class CheckIn {
  private readonly bar: HTMLElement;
  private readonly text: HTMLElement;
  /** The invitation on screen, if any, and how to take it back off the screen. */
  private invitation: string | null = null;
  private withdraw: AbortController | null = null;
  private inside = false;

  constructor(private readonly host: CheckInHost) {
    this.text = h('p', { class: 'checkin-text' });
    const end = h('button', { type: 'button', class: 'button small secondary' }, 'End check-in');
    end.addEventListener('click', () => void this.end());
    this.bar = h(
      'section',
      { class: 'notice info checkin-bar', 'aria-label': 'Private check-in', hidden: true },
      this.text,
      end,
    );
    host.view.addNotice(this.bar);
  }

  /** A facilitator asks us for a private word. */
  async invited(event: CheckInInvited): Promise<void> {
    this.invitation = event.checkin_id;
    this.withdraw = new AbortController();
    const answer = await openDialog({
      signal: this.withdraw.signal,
      title: `${event.name} would like a private word`,
      text: 'Just the two of you, for a few minutes, while the group carries on. Nothing is recorded. It is fine to say not now.',
      confirmLabel: 'Yes, join',
      cancelLabel: 'Not now',
    });
    if (this.invitation !== event.checkin_id) return; // withdrawn meanwhile
    this.invitation = null;
    const ack = await this.host.request('checkin.answer', { checkin_id: event.checkin_id, accept: answer !== null });
    if (!ack.ok) this.host.view.notify(ack.error.message);
    else if (answer === null) this.host.view.notify('You said not now. The facilitator knows, and you stay with the group.');
  }

  updated(event: CheckInUpdated): void {
    const name = event.name ?? 'They';
    switch (event.state) {
      case 'withdrawn':
        if (this.invitation === event.checkin_id) {
          this.invitation = null;
          this.withdraw?.abort(); // only the invitation closes, not a note being written
        }
        if (!this.inside) this.host.view.notify('The private check-in is not needed right now. You stay with the group.');
        break;
      case 'declined':
        this.host.view.notify(`${name} said not now. You could ask again later.`);
        break;
      case 'invited':
        this.host.view.announce(`Waiting for ${name} to answer.`);
        break;
      default:
        break;
    }
  }

  /** Someone (a facilitator) stepped out of our room for a check-in. */
  steppedOut(event: CheckInSteppedOut): void {
    if (event.participant_id === this.host.selfId()) return;
    this.host.view.notify(`${event.name} stepped out for a moment and will be back soon.`);
  }

  /** We are in a room now: a check-in's, or not. */
  entered(roomId: string): void {
    const was = this.inside;
    this.inside = isCheckInRoom(roomId);
    this.bar.hidden = !this.inside;
    this.refresh();
    if (!this.inside && was) {
      this.host.view.notify('The private check-in has ended. You are back with the group.');
    }
  }

  /** Who is with us (the other arrives a moment after us). */
  refresh(): void {
    if (!this.inside) return;
    const me = this.host.selfId();
    const other = [...this.host.participants().values()].find((p) => p.id !== me);
    this.text.textContent = other
      ? `You are in a private check-in with ${other.name}. Only the two of you can see and hear each other.`
      : 'You are in a private check-in. The other person is on their way.';
  }

  private async end(): Promise<void> {
    const ack = await this.host.request('checkin.end', {});
    if (!ack.ok) this.host.view.notify(ack.error.message);
  }
}
