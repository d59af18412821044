// Reactions: a "React" control in the control bar opens a small menu (thumbs up, heart,
// applause, smile, wave). The server shows a reaction to everyone in the room
// (`reaction.shown`): for a few seconds on the sender's tile, as a picture with its words
// as text alternative, and in a polite announcement for screen readers. The server limits
// how often one may react and says so in plain words.

import { h, icon } from './dom';
import type { RequestFn } from './facilitator';
import type { ReactionKind, ReactionShown } from './protocol';
import type { RoomView } from './roomview';

export const REACTIONS: { kind: ReactionKind; picture: string; words: string }[] = [
  { kind: 'thumbs_up', picture: '👍', words: 'Thumbs up' },
  { kind: 'heart', picture: '❤️', words: 'Heart' },
  { kind: 'clap', picture: '👏', words: 'Applause' },
  { kind: 'smile', picture: '🙂', words: 'Smile' },
  { kind: 'wave', picture: '👋', words: 'Wave' },
];

const SHOW_MS = 4000;
/** A smiling face, drawn like the other control icons. */
const SMILE = ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M8 14s1.5 2 4 2 4-2 4-2', 'M9 9.5h.01M15 9.5h.01'];

export class Reactions {
  private readonly box: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly items: HTMLButtonElement[];
  private readonly timers = new Set<number>();

  constructor(
    private readonly view: RoomView,
    private readonly request: RequestFn,
    private readonly selfId: () => string | null,
    /** A person's name by id, if they are in the room. */
    private readonly nameOf: (id: string) => string | null,
    /** Observers see reactions but have no control to send them. */
    canReact: boolean,
  ) {
    this.button = h(
      'button',
      { type: 'button', class: 'control react', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': 'reaction-menu' },
      icon(SMILE),
      h('span', {}, 'React'),
    );
    this.items = REACTIONS.map((r) => {
      const item = h(
        'button',
        { type: 'button', role: 'menuitem', class: 'reaction-item', tabindex: '-1' },
        h('span', { 'aria-hidden': 'true' }, r.picture),
        h('span', {}, r.words),
      );
      item.addEventListener('click', () => void this.send(r.kind));
      return item;
    });
    this.menu = h('div', { class: 'reaction-menu', id: 'reaction-menu', role: 'menu', 'aria-label': 'Reactions', hidden: true }, ...this.items);
    this.box = h('div', { class: 'react-box', hidden: true }, this.menu, this.button);
    this.button.addEventListener('click', () => (this.menu.hidden ? this.open() : this.close(true)));
    this.button.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
        e.preventDefault();
        this.open(e.key === 'ArrowUp' ? this.items.length - 1 : 0);
      }
    });
    this.menu.addEventListener('keydown', (e) => this.onMenuKey(e));
    this.menu.addEventListener('focusout', (e) => {
      // Focus went elsewhere (Tab, a click outside): the menu closes.
      if (!this.box.contains(e.relatedTarget as Node | null)) this.close(false);
    });
    if (canReact) view.addControl(this.box);
  }

  /** The control is for the room (not while waiting to be let in). */
  setInRoom(inRoom: boolean): void {
    this.box.hidden = !inRoom;
    if (!inRoom) this.close(false);
  }

  private open(index = 0): void {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.items[index]?.focus();
  }

  private close(focusButton: boolean): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (focusButton) this.button.focus();
  }

  private onMenuKey(e: KeyboardEvent): void {
    const at = this.items.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number): void => {
      e.preventDefault();
      this.items[(to + this.items.length) % this.items.length].focus();
    };
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') move(at + 1);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(this.items.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      this.close(true);
    }
  }

  private async send(kind: ReactionKind): Promise<void> {
    this.close(true);
    const ack = await this.request('reaction.send', { kind });
    if (!ack.ok) this.view.notify(ack.error.message);
  }

  /** Someone in the room reacted (ourselves included): show it on their tile. */
  shown(event: ReactionShown): void {
    const reaction = REACTIONS.find((r) => r.kind === event.kind);
    const mine = event.participant_id === this.selfId();
    const name = mine ? 'You' : this.nameOf(event.participant_id);
    const place = this.view.tileMedia(event.participant_id);
    if (!reaction || !name || !place) return;
    const words = `${reaction.words} from ${mine ? 'you' : name}`;
    const bubble = h('span', { class: 'reaction-bubble', role: 'img', 'aria-label': words, title: words }, reaction.picture);
    place.appendChild(bubble);
    const timer = window.setTimeout(() => {
      bubble.remove();
      this.timers.delete(timer);
    }, SHOW_MS);
    this.timers.add(timer);
    this.view.announce(mine ? `You reacted: ${reaction.words.toLowerCase()}.` : `${name} reacted: ${reaction.words.toLowerCase()}.`);
  }

  destroy(): void {
    for (const timer of this.timers) window.clearTimeout(timer);
    this.timers.clear();
  }
}
