// The chat: to everyone in the room, or privately to the facilitators. Facilitators can
// remove a message for everyone. The history comes with the join (and room.entered).

import { openDialog } from './dialog';
import { clear, focusLost, h } from './dom';
import { Feedback } from './feedback';
import {
  type Ack,
  type ChatMessage,
  type Role,
  MAX_CHAT_CHARS,
  canPublish,
  isFacilitator,
} from './protocol';

export interface ChatActions {
  send(to: ChatMessage['to'], text: string): Promise<Ack<unknown>>;
  remove(messageId: string): Promise<Ack<unknown>>;
}

export function clockTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

interface Row {
  li: HTMLLIElement;
  text: HTMLElement;
  remove: HTMLButtonElement;
  message: ChatMessage;
}

export class ChatPanel {
  readonly el: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly toField: HTMLElement;
  private readonly toSelect: HTMLSelectElement;
  private readonly toNote: HTMLElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly feedback = new Feedback();
  private readonly rows = new Map<string, Row>();
  private role: Role | string = 'participant';
  private visible = false;
  private unread = 0;
  private sending = false;

  constructor(
    private readonly actions: ChatActions,
    private readonly selfId: () => string | null,
    /** Messages that came while the chat was not shown (0: all read). */
    private readonly onUnread: (count: number, latest: ChatMessage | null) => void,
  ) {
    this.log = h('ol', { class: 'chat-log', role: 'log', 'aria-label': 'Messages' });
    this.empty = h('p', { class: 'chat-empty' }, 'No messages yet.');
    this.input = h('textarea', {
      id: 'chat-input',
      rows: '2',
      maxlength: String(MAX_CHAT_CHARS),
      autocomplete: 'off',
    });
    this.toSelect = h(
      'select',
      { id: 'chat-to' },
      h('option', { value: 'room' }, 'Everyone'),
      h('option', { value: 'facilitators' }, 'The facilitators only (private)'),
    );
    this.toField = h('div', { class: 'field chat-to' }, h('label', { for: 'chat-to' }, 'Send to'), this.toSelect);
    this.toNote = h('p', { class: 'hint', hidden: true }, 'Your messages go to the facilitators only.');
    this.sendButton = h('button', { type: 'submit', class: 'button primary' }, 'Send');
    const form = h(
      'form',
      { class: 'chat-form' },
      this.toField,
      this.toNote,
      h('div', { class: 'field' }, h('label', { for: 'chat-input' }, 'Your message'), this.input),
      this.sendButton,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    // Enter sends; Shift+Enter starts a new line.
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send();
      }
    });
    this.el = h('div', { class: 'chat' }, this.feedback.el, this.empty, this.log, form);
  }

  setRole(role: Role | string): void {
    this.role = role;
    // Observers write to the facilitators only.
    const toRoom = canPublish(role);
    this.toField.hidden = !toRoom;
    this.toNote.hidden = toRoom;
    if (!toRoom) this.toSelect.value = 'facilitators';
    for (const row of this.rows.values()) this.refresh(row);
  }

  /** Shown or hidden: messages that come while hidden are counted as unread. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      this.unread = 0;
      this.onUnread(0, null);
      this.scrollToEnd();
    }
  }

  /** Moved to another room: its own chat starts here; a half-written message meant for
   * the room we left is not carried over (nor is its count of unread messages). */
  roomChanged(): void {
    this.input.value = '';
    this.toSelect.value = 'room';
    this.unread = 0;
    this.onUnread(0, null);
  }

  /** The chat so far (join, room.entered, a rejoin): replaces what is shown. */
  setHistory(messages: ChatMessage[]): void {
    for (const row of this.rows.values()) row.li.remove();
    this.rows.clear();
    for (const m of messages) this.put(m);
    this.empty.hidden = this.rows.size > 0;
    this.scrollToEnd();
  }

  add(message: ChatMessage): void {
    const known = this.rows.has(message.id);
    const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.put(message);
    this.empty.hidden = true;
    if (atEnd || message.from === this.selfId()) this.scrollToEnd();
    if (!known && !this.visible && message.from !== this.selfId() && !message.removed) {
      this.unread += 1;
      this.onUnread(this.unread, message);
    }
  }

  removed(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    row.message = { ...row.message, removed: true, text: '' };
    this.refresh(row);
  }

  private put(message: ChatMessage): void {
    const existing = this.rows.get(message.id);
    if (existing) {
      existing.message = message;
      this.refresh(existing);
      return;
    }
    const mine = message.from === this.selfId();
    const text = h('p', { class: 'chat-text' });
    const remove = h(
      'button',
      { type: 'button', class: 'button small secondary' },
      'Remove message',
      h('span', { class: 'visually-hidden' }, ` from ${mine ? 'you' : message.name}`),
    );
    const time = h('time', { datetime: new Date(message.at * 1000).toISOString() }, clockTime(message.at));
    const meta = h(
      'p',
      { class: 'chat-meta' },
      h('span', { class: 'chat-name' }, mine ? 'You' : message.name),
      message.to === 'facilitators'
        ? h('span', { class: 'chat-private' }, mine ? 'to the facilitators, privately' : 'to the facilitators, private')
        : null,
      time,
    );
    const li = h('li', { class: `chat-message${message.to === 'facilitators' ? ' private' : ''}${mine ? ' mine' : ''}` }, meta, text, remove);
    const row: Row = { li, text, remove, message };
    remove.addEventListener('click', () => void this.confirmRemove(row));
    this.rows.set(message.id, row);
    this.log.appendChild(li);
    this.refresh(row);
  }

  private refresh(row: Row): void {
    const { message } = row;
    row.li.classList.toggle('removed', message.removed);
    clear(row.text);
    row.text.textContent = message.removed ? 'Message removed' : message.text;
    row.remove.hidden = message.removed || !isFacilitator(this.role);
  }

  private async confirmRemove(row: Row): Promise<void> {
    const choice = await openDialog({
      title: 'Remove this message?',
      text: `The message from ${row.message.name} will be removed for everyone.`,
      confirmLabel: 'Remove message',
      danger: true,
      fallbackFocus: () => this.input,
    });
    if (!choice) return;
    const ack = await this.actions.remove(row.message.id);
    if (this.feedback.report(ack, 'The message was removed.', 'The message was not removed.')) {
      this.removed(row.message.id);
    }
    // The button is gone with the text: go on from the message box.
    if (focusLost()) this.input.focus();
  }

  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.sending) return;
    const to = canPublish(this.role) ? (this.toSelect.value as ChatMessage['to']) : 'facilitators';
    this.sending = true;
    this.sendButton.disabled = true;
    const ack = await this.actions.send(to, text);
    this.sending = false;
    this.sendButton.disabled = false;
    if (ack.ok) {
      this.input.value = '';
      if (to === 'facilitators') this.feedback.ok('Sent privately to the facilitators.');
    } else {
      this.feedback.fail(`Your message was not sent. ${ack.error.message}`);
    }
    this.input.focus();
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  destroy(): void {
    this.feedback.destroy();
  }
}
