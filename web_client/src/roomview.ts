// The room screen: a grid of people, your own controls, and calm status messages.

import { closeDialogs } from './dialog';
import { h, icon, ICONS, clear } from './dom';
import { SidePanels } from './panels';
import { AudioLevel, SpeakingDetector, audioContext, setSpeaker } from './media';
import { canPublish, type PublicParticipant, type WaitingStatus } from './protocol';
import {
  ASKED_TO_UNMUTE,
  ASK_TO_UNMUTE_BLOCKED,
  BLOCKED_AUDIO,
  BLOCKED_VIDEO,
  RULES_INTRO,
  VIDEO_PAUSED,
  WAITING,
  initials,
} from './words';

export interface ControlHandlers {
  toggleMicrophone(): void;
  toggleCamera(): void;
  toggleHand(): void;
  leave(): void;
  acceptRules(): void;
}

export interface RoomViewOptions {
  selfName: string;
  publisher: boolean;
  localStream: MediaStream | null;
  hasMicrophone: boolean;
  hasCamera: boolean;
  audioMuted: boolean;
  videoOff: boolean;
  speakerId: string;
}

function mark(className: string, label: string, paths: string[]): HTMLElement {
  // A visible icon with a text alternative for screen readers.
  const el = h('span', { class: `mark ${className}`, role: 'img', 'aria-label': label, title: label });
  el.appendChild(icon(paths));
  return el;
}

class Tile {
  readonly li: HTMLLIElement;
  readonly video: HTMLVideoElement;
  private readonly placeholder: HTMLElement;
  private readonly placeholderNote: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly micOff: HTMLElement;
  private readonly camOff: HTMLElement;
  private readonly away: HTMLElement;
  private readonly handMark: HTMLElement;
  private readonly spotlightMark: HTMLElement;
  private readonly speakingText: HTMLElement;
  /** On your own tile: a facilitator stopped your microphone. */
  private readonly blockedMark: HTMLElement | null;
  private level: AudioLevel | null = null;
  private readonly detector = new SpeakingDetector();
  private stream: MediaStream | null = null;
  private cameraOff = false;
  private hasVideo = false;
  /** The server stopped sending us video to keep the sound clear (SFU rooms). */
  private videoPaused = false;
  /** Who speaks, from the server (SFU rooms); null: measured here from the sound. */
  private serverSpeaking: boolean | null = null;
  private observer = false;
  /** A facilitator stopped this person's sound: in a mesh, peers do not play it. */
  private audioBlocked = false;
  /** The browser refused to play sound before a click. */
  private autoplayMuted = false;

  constructor(
    readonly id: string,
    name: string,
    readonly self: boolean,
  ) {
    this.video = h('video', { autoplay: true, playsinline: true });
    this.video.autoplay = true;
    this.video.playsInline = true;
    if (self) {
      this.video.muted = true; // never play your own microphone back
      this.video.classList.add('mirror');
    }
    this.placeholderNote = h('span', { class: 'placeholder-note' });
    this.placeholder = h(
      'div',
      { class: 'placeholder', 'aria-hidden': 'true' },
      h('span', { class: 'initials' }, initials(name)),
      this.placeholderNote,
    );
    this.nameEl = h('span', { class: 'name' });
    this.micOff = mark('mark-mic-off', 'Microphone off', ICONS.micOff);
    this.camOff = mark('mark-camera-off', 'Camera off', ICONS.camOff);
    this.away = h('span', { class: 'mark mark-away' }, 'Reconnecting…');
    this.handMark = mark('mark-hand', 'Hand raised', ICONS.hand);
    this.handMark.hidden = true;
    this.spotlightMark = h('span', { class: 'mark mark-spotlight', hidden: true }, 'Spotlight');
    this.blockedMark = self
      ? h('span', { class: 'mark mark-blocked', hidden: true }, 'Muted by the facilitator')
      : null;
    // For screen readers reading the list; not announced as it changes.
    this.speakingText = h('span', { class: 'visually-hidden', hidden: true }, 'Speaking');
    this.li = h(
      'li',
      { class: self ? 'tile self' : 'tile' },
      h('div', { class: 'media' }, this.video, this.placeholder),
      h(
        'div',
        { class: 'caption' },
        this.nameEl,
        this.speakingText,
        h(
          'span',
          { class: 'marks' },
          this.spotlightMark,
          this.handMark,
          this.away,
          this.blockedMark,
          this.micOff,
          this.camOff,
        ),
      ),
    );
    this.setName(name);
  }

  setName(name: string): void {
    this.nameEl.textContent = this.self ? `${name} (you)` : name;
  }

  setHand(raised: boolean): void {
    this.handMark.hidden = !raised;
  }

  setSpotlight(on: boolean): void {
    this.spotlightMark.hidden = !on;
    this.li.classList.toggle('spotlit', on);
  }

  /** The words on your own tile while your microphone is held at the server (null: only
   * the microphone mark, as in ask-to-unmute mode, where the notice says what to do). */
  setBlockedWords(text: string | null): void {
    if (!this.blockedMark) return;
    this.blockedMark.textContent = text ?? '';
    this.blockedMark.classList.toggle('unused', text === null);
  }

  update(p: {
    name: string;
    role?: string;
    audio_muted: boolean;
    video_off: boolean;
    audio_blocked?: boolean;
    video_blocked?: boolean;
    connection?: string;
  }): void {
    this.setName(p.name);
    // Observers never send sound or picture: say "observing" rather than "off".
    this.observer = p.role !== undefined && !canPublish(p.role);
    this.audioBlocked = Boolean(p.audio_blocked);
    this.applyMuted();
    this.micOff.hidden = !(p.audio_muted || this.audioBlocked) || this.observer;
    this.cameraOff = p.video_off || Boolean(p.video_blocked);
    this.camOff.hidden = !this.cameraOff || this.observer;
    // Your own tile says plainly who muted you.
    if (this.blockedMark) this.blockedMark.hidden = !this.audioBlocked;
    const away = p.connection === 'reconnecting';
    this.away.hidden = !away;
    this.li.classList.toggle('is-away', away);
    this.refreshPlaceholder();
  }

  setStream(stream: MediaStream | null, speakerId: string): void {
    if (this.stream !== stream || this.video.srcObject !== stream) {
      this.stream = stream;
      this.video.srcObject = stream;
      if (!this.self) void setSpeaker(this.video, speakerId);
    }
    this.hasVideo = Boolean(stream && stream.getVideoTracks().some((t) => t.readyState === 'live'));
    this.refreshPlaceholder();
    if (stream) this.play();
    const audio = stream?.getAudioTracks().find((t) => t.readyState === 'live') ?? null;
    if (audio !== (this.level?.track ?? null)) {
      this.level?.close();
      this.level = null;
      const ctx = audioContext();
      if (audio && ctx) {
        try {
          this.level = new AudioLevel(ctx, audio);
        } catch {
          this.level = null;
        }
      }
    }
  }

  private play(): void {
    const attempt = this.video.play();
    if (attempt && !this.self) {
      attempt.catch((err: unknown) => {
        // Sound may be blocked until the person clicks: keep the picture going meanwhile.
        if (err instanceof DOMException && err.name === 'NotAllowedError') {
          this.autoplayMuted = true;
          this.applyMuted();
          void this.video.play().catch(() => undefined);
          this.li.dispatchEvent(new CustomEvent('sound-blocked', { bubbles: true }));
        }
      });
    } else {
      attempt?.catch(() => undefined);
    }
  }

  unmuteSound(): void {
    if (this.self) return;
    this.autoplayMuted = false;
    this.applyMuted();
    void this.video.play().catch(() => undefined);
  }

  private applyMuted(): void {
    this.video.muted = this.self || this.audioBlocked || this.autoplayMuted;
  }

  setSpeaker(id: string): void {
    if (!this.self) void setSpeaker(this.video, id);
  }

  setVideoPaused(paused: boolean): void {
    if (this.self || this.videoPaused === paused) return;
    this.videoPaused = paused;
    this.refreshPlaceholder();
  }

  /** Speaking as the server hears it (true/false), or null to measure it here. */
  setServerSpeaking(speaking: boolean | null): void {
    this.serverSpeaking = speaking;
  }

  /** The drawn height of the picture, in device pixels. */
  drawnHeight(): number {
    return this.video.getBoundingClientRect().height * (window.devicePixelRatio || 1);
  }

  private refreshPlaceholder(): void {
    const showVideo = this.hasVideo && !this.cameraOff && !this.videoPaused;
    this.li.classList.toggle('video-off', !showVideo);
    this.placeholderNote.textContent = this.observer
      ? 'Observing'
      : this.cameraOff
      ? 'Camera off'
      : this.videoPaused
        ? 'Video paused'
        : this.hasVideo
          ? ''
          : this.self
            ? 'No camera'
            : 'Connecting…';
  }

  tick(now: number): void {
    let speaking: boolean;
    if (this.serverSpeaking !== null) {
      speaking = this.serverSpeaking && !this.audioBlocked;
    } else {
      const level = this.level && !this.audioBlocked ? this.level.read() : 0;
      speaking = this.detector.update(level, now);
    }
    if (speaking !== this.li.classList.contains('speaking')) {
      this.li.classList.toggle('speaking', speaking);
      this.speakingText.hidden = !speaking;
    }
  }

  destroy(): void {
    this.level?.close();
    this.level = null;
    this.video.srcObject = null;
    this.li.remove();
  }
}

/** The column count giving the largest tiles for `n` people in `width` x `height` (on a
 * small screen with many people the tiles keep a readable minimum size and scroll). */
function fitGrid(
  n: number,
  width: number,
  height: number,
  gap: number,
  caption: number,
  minWidth: number,
): { cols: number; size: number } {
  let best = { cols: 1, size: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    let size = (width - gap * (cols - 1)) / cols;
    if (height > 0) {
      const byHeight = (((height - gap * (rows - 1)) / rows - caption) * 4) / 3;
      size = Math.min(size, byHeight);
    }
    if (size > best.size) best = { cols, size };
  }
  if (best.size < minWidth) {
    const cols = Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
    best = { cols, size: (width - gap * (cols - 1)) / cols };
  }
  return best;
}

export class RoomView {
  readonly root: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly banner: HTMLElement;
  /** Notices other parts add (breakout rooms: where you are, the facilitator's messages). */
  private readonly extras: HTMLElement;
  private readonly title: HTMLElement;
  private readonly stateEl: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly soundButton: HTMLButtonElement;
  private readonly selfTile: Tile;
  private readonly tiles = new Map<string, Tile>();
  private readonly streams = new Map<string, MediaStream>();
  private readonly micButton: HTMLButtonElement | null = null;
  private readonly camButton: HTMLButtonElement | null = null;
  private readonly timer: number;
  private announceTimer = 0;
  private noteTimer = 0;
  private readonly noteEl: HTMLElement;
  /** While a facilitator has stopped your microphone or camera: says so, calmly. */
  private readonly blockEl: HTMLElement;
  /** While the server pauses video to you (SFU rooms). */
  private readonly pausedEl: HTMLElement;
  private videoPaused = false;
  /** While waiting to be let in: the words, and the ground rules to accept. */
  private readonly waitingEl: HTMLElement;
  private readonly waitingText: HTMLElement;
  private readonly rulesBox: HTMLElement;
  private readonly rulesText: HTMLElement;
  private serverSpeaking = false;
  private readonly speaking = new Map<string, boolean>();
  private selfState: {
    name: string;
    role: string;
    audio_muted: boolean;
    video_off: boolean;
    audio_blocked: boolean;
    video_blocked: boolean;
  };
  private readonly resize: ResizeObserver | null = null;
  /** The chat and the facilitator's controls, beside the people or over them. */
  readonly panels: SidePanels;
  private readonly header: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly handButton: HTMLButtonElement | null = null;
  private handRaised = false;
  /** Ask-to-unmute mode: the microphone button asks instead of unmuting. */
  private micAsks = false;
  private selfId: string | null = null;
  private spotlightId: string | null = null;
  private hands: string[] = [];

  constructor(
    container: HTMLElement,
    private readonly opts: RoomViewOptions,
    handlers: ControlHandlers,
  ) {
    this.selfState = {
      name: opts.selfName,
      role: opts.publisher ? 'participant' : 'observer',
      audio_muted: opts.audioMuted,
      video_off: opts.videoOff,
      audio_blocked: false,
      video_blocked: false,
    };
    this.stateEl = h('p', { class: 'connection-state' });
    this.banner = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite' });
    this.extras = h('div', { class: 'room-notices' });
    this.title = h('h1', { id: 'room-title', tabindex: '-1' }, 'Group session');
    this.announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite' });
    this.noteEl = h('p', { class: 'notice info', role: 'status', hidden: true });
    this.blockEl = h('p', { class: 'notice info', id: 'block-note', role: 'status', hidden: true });
    this.pausedEl = h('p', { class: 'notice info', role: 'status', hidden: true }, VIDEO_PAUSED);
    this.waitingText = h('p', { role: 'status' }, WAITING);
    this.rulesText = h('div', { class: 'rules-text' });
    const accept = h('button', { type: 'button', class: 'button primary' }, 'I agree to the ground rules');
    accept.addEventListener('click', () => handlers.acceptRules());
    this.rulesBox = h(
      'div',
      { class: 'rules', hidden: true },
      h('h2', {}, 'Ground rules'),
      h('p', {}, RULES_INTRO),
      this.rulesText,
      accept,
    );
    this.waitingEl = h(
      'section',
      { class: 'notice info waiting', 'aria-label': 'Waiting to be let in', hidden: true },
      this.waitingText,
      this.rulesBox,
    );
    this.soundButton = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Turn on sound');
    this.soundButton.addEventListener('click', () => {
      for (const tile of this.tiles.values()) tile.unmuteSound();
      this.soundButton.hidden = true;
    });
    this.list = h('ul', { class: 'tiles', 'aria-label': 'People in the session' });

    this.selfTile = new Tile('self', opts.selfName, true);
    this.selfTile.update({ ...this.selfState, connection: 'connected' });
    this.selfTile.setStream(opts.localStream, '');
    this.list.appendChild(this.selfTile.li);
    this.list.addEventListener('sound-blocked', () => {
      this.soundButton.hidden = false;
    });

    const controls = h('div', { class: 'controls', role: 'group', 'aria-label': 'Your controls' });
    if (opts.publisher && opts.hasMicrophone) {
      this.micButton = h('button', { type: 'button', class: 'control' });
      this.micButton.addEventListener('click', () => handlers.toggleMicrophone());
      controls.appendChild(this.micButton);
    }
    if (opts.publisher && opts.hasCamera) {
      this.camButton = h('button', { type: 'button', class: 'control' });
      this.camButton.addEventListener('click', () => handlers.toggleCamera());
      controls.appendChild(this.camButton);
    }
    if (opts.publisher) {
      this.handButton = h('button', { type: 'button', class: 'control hand', 'aria-pressed': 'false', hidden: true });
      this.handButton.addEventListener('click', () => handlers.toggleHand());
      controls.appendChild(this.handButton);
      this.setHand(false);
    }
    const leave = h('button', { type: 'button', class: 'control leave' }, icon(ICONS.leave), h('span', {}, 'Leave session'));
    leave.addEventListener('click', () => handlers.leave());
    controls.appendChild(leave);

    const notes: HTMLElement[] = [];
    if (!opts.publisher) {
      notes.push(h('p', { class: 'note' }, 'You are observing. The group cannot see or hear you.'));
    } else {
      if (!opts.hasMicrophone) notes.push(h('p', { class: 'note' }, 'Your microphone is not available, so the group cannot hear you.'));
      if (!opts.hasCamera) notes.push(h('p', { class: 'note' }, 'Your camera is not available, so the group cannot see you.'));
    }

    this.controls = controls;
    this.stage = h('div', { class: 'stage' }, this.list);
    this.header = h(
      'header',
      { class: 'room-header' },
      this.title,
      this.stateEl,
    );
    this.panels = new SidePanels(() => [this.header, this.stage, this.controls, ...this.notices()]);
    this.panels.toggles.hidden = true;
    this.header.appendChild(this.panels.toggles);
    this.root = h(
      'main',
      { class: 'room', 'aria-labelledby': 'room-title' },
      this.header,
      this.banner,
      this.extras,
      this.waitingEl,
      this.noteEl,
      this.pausedEl,
      this.soundButton,
      ...notes,
      h('div', { class: 'room-body' }, this.stage, this.panels.side),
      this.blockEl,
      controls,
      this.announcer,
    );
    clear(container);
    container.appendChild(this.root);
    this.setMicrophone(opts.audioMuted);
    this.setCamera(opts.videoOff);
    this.setConnection('connecting');
    this.timer = window.setInterval(() => this.tick(), 120);
    if (typeof ResizeObserver === 'function') {
      this.resize = new ResizeObserver(() => this.layout());
      this.resize.observe(this.list);
    }
    this.layout();
    this.title.focus();
  }

  // ---- own state ----------------------------------------------------------------------------
  setMicrophone(muted: boolean): void {
    this.selfState.audio_muted = muted;
    this.selfTile.update({ ...this.selfState, connection: 'connected' });
    if (this.micButton) {
      clear(this.micButton);
      const asks = muted && this.micAsks;
      // Asking is not a switch: it sends a request, the facilitator answers.
      if (asks) this.micButton.removeAttribute('aria-pressed');
      else this.micButton.setAttribute('aria-pressed', String(muted));
      this.micButton.classList.toggle('asks', asks);
      const label = asks ? 'Ask to unmute' : muted ? 'Unmute microphone' : 'Mute microphone';
      // A phone shows the short words; the name stays the full one (which contains them).
      const short = asks ? label : muted ? 'Unmute' : 'Mute';
      this.micButton.setAttribute('aria-label', label);
      this.micButton.append(
        icon(muted ? ICONS.micOff : ICONS.mic),
        h('span', { class: 'label-long' }, label),
        h('span', { class: 'label-short', 'aria-hidden': 'true' }, short),
      );
    }
  }

  setCamera(off: boolean): void {
    this.selfState.video_off = off;
    this.selfTile.update({ ...this.selfState, connection: 'connected' });
    if (this.camButton) {
      clear(this.camButton);
      this.camButton.setAttribute('aria-pressed', String(off));
      this.camButton.append(
        icon(off ? ICONS.camOff : ICONS.cam),
        h('span', {}, off ? 'Turn camera on' : 'Turn camera off'),
      );
    }
  }

  setSelf(p: PublicParticipant): void {
    this.selfId = p.id;
    this.selfState.name = p.name;
    this.selfTile.setName(p.name);
    this.selfTile.setHand(this.hands.includes(p.id));
    this.selfTile.setSpotlight(this.spotlightId === p.id);
  }

  /** A board beside the people (instead of them on a phone), with its button in the
   * controls before "Leave session". */
  addBoard(board: HTMLElement, toggle: HTMLElement): void {
    this.stage.appendChild(board);
    this.controls.insertBefore(toggle, this.controls.lastElementChild);
  }

  showBoard(open: boolean): void {
    this.stage.classList.toggle('with-board', open);
    this.layout();
  }

  /** The notices above the people: covered, with them, by a panel on a phone. */
  private notices(): HTMLElement[] {
    return [this.banner, this.extras, this.waitingEl, this.noteEl, this.pausedEl, this.soundButton, this.blockEl];
  }

  /** A notice above the people, kept by whoever added it. */
  addNotice(el: HTMLElement): void {
    this.extras.appendChild(el);
  }

  /** Another part's control in the control bar, before "Leave session". */
  addControl(el: HTMLElement): void {
    this.controls.insertBefore(el, this.controls.lastElementChild);
  }

  /** The picture area of someone's tile (ours for our own id): for passing marks. */
  tileMedia(id: string): HTMLElement | null {
    const tile = id === this.selfId ? this.selfTile : this.tiles.get(id);
    return tile?.li.querySelector<HTMLElement>('.media') ?? null;
  }

  /** The page's heading: the room you are in. */
  setTitle(text: string): void {
    if (this.title.textContent === text) return;
    this.title.textContent = text;
    document.title = text === 'Group session' ? 'Group session' : `${text} · Group session`;
  }

  /** In the room (true) or still waiting to be let in: hands and panels are for the room. */
  setInRoom(inRoom: boolean): void {
    if (this.handButton) this.handButton.hidden = !inRoom;
    this.panels.toggles.hidden = !inRoom;
  }

  /** Your own hand, up or down. */
  setHand(raised: boolean): void {
    this.handRaised = raised;
    if (!this.handButton) return;
    clear(this.handButton);
    this.handButton.setAttribute('aria-pressed', String(raised));
    this.handButton.append(icon(ICONS.hand), h('span', {}, raised ? 'Lower hand' : 'Raise hand'));
  }

  get handIsRaised(): boolean {
    return this.handRaised;
  }

  /** Raised hands, in order: a mark on each tile. */
  setHands(queue: string[]): void {
    this.hands = [...queue];
    for (const [id, tile] of this.tiles) tile.setHand(queue.includes(id));
    this.selfTile.setHand(this.selfId !== null && queue.includes(this.selfId));
  }

  /** Whom everyone's layout puts first (and larger); null for nobody. */
  setSpotlight(id: string | null): void {
    this.spotlightId = id;
    for (const [tid, tile] of this.tiles) tile.setSpotlight(tid === id);
    this.selfTile.setSpotlight(id !== null && id === this.selfId);
    this.placeSpotlight();
    this.layout();
  }

  private spotlitTile(): Tile | null {
    if (this.spotlightId === null) return null;
    if (this.spotlightId === this.selfId) return this.selfTile;
    return this.tiles.get(this.spotlightId) ?? null;
  }

  /** The spotlit tile first, then yourself, then everyone by seat (moving only what is
   * out of place). */
  private placeSpotlight(): void {
    const spot = this.spotlitTile();
    const seat = (t: Tile): number => Number(t.li.dataset.seat ?? NaN);
    const others = [...this.tiles.values()].filter((t) => t !== spot).sort((a, b) => seat(a) - seat(b));
    const order = [...(spot ? [spot] : []), ...(spot === this.selfTile ? [] : [this.selfTile]), ...others];
    order.forEach((tile, i) => {
      if (this.list.children[i] !== tile.li) this.list.insertBefore(tile.li, this.list.children[i] ?? null);
    });
  }

  /** Ask-to-unmute mode while your microphone is off: the button asks. */
  setMicrophoneAsks(asks: boolean): void {
    if (this.micAsks === asks) return;
    this.micAsks = asks;
    this.setMicrophone(this.selfState.audio_muted);
  }

  /** Waiting to be let in (null: in the room). `rules`: the ground rules' text. */
  setWaiting(status: WaitingStatus | null, rules: string | null): void {
    this.waitingEl.hidden = status === null;
    if (status === null) return;
    if (rules !== null) this.rulesText.textContent = rules;
    this.rulesBox.hidden = !status.rules_required || status.rules_accepted;
  }

  rulesAccepted(): void {
    this.rulesBox.hidden = true;
  }

  /** A facilitator stopped (or let through again) your microphone or camera. */
  setBlocked(audio: boolean, video: boolean, ask: 'no' | 'must ask' | 'asked' | 'allowed' = 'no'): void {
    this.selfState.audio_blocked = audio && ask !== 'allowed';
    this.selfState.video_blocked = video;
    this.selfTile.update({ ...this.selfState, connection: 'connected' });
    // In ask-to-unmute mode the microphone is held until the facilitator lets you: say how
    // to ask rather than who muted it (you may have muted it yourself). Once allowed, it
    // is yours to turn on.
    this.selfTile.setBlockedWords(ask === 'no' ? 'Muted by the facilitator' : null);
    const audioWords = ask === 'must ask' ? ASK_TO_UNMUTE_BLOCKED : ask === 'asked' ? ASKED_TO_UNMUTE : BLOCKED_AUDIO;
    const words = [this.selfState.audio_blocked ? audioWords : '', video ? BLOCKED_VIDEO : ''].filter(Boolean);
    this.blockEl.textContent = words.join(' ');
    this.blockEl.hidden = words.length === 0;
    // The buttons point at the explanation while they cannot turn things back on.
    for (const [button, blocked] of [
      [this.micButton, this.selfState.audio_blocked],
      [this.camButton, video],
    ] as const) {
      if (!button) continue;
      if (blocked) button.setAttribute('aria-describedby', 'block-note');
      else button.removeAttribute('aria-describedby');
      button.classList.toggle('blocked', blocked);
    }
  }

  /** connecting: first join; connected; reconnecting: the link to the server dropped. */
  setConnection(state: 'connecting' | 'connected' | 'reconnecting'): void {
    this.root.dataset.connection = state;
    const text = {
      connecting: 'Connecting…',
      connected: 'Connected',
      reconnecting: 'Reconnecting…',
    }[state];
    this.stateEl.textContent = text;
    this.stateEl.className = `connection-state state-${state}`;
    if (state === 'reconnecting') {
      this.banner.textContent =
        'Reconnecting… Your internet connection dropped for a moment. ' +
        'You do not need to do anything: we are bringing you back.';
      this.banner.classList.add('visible');
    } else {
      this.banner.textContent = '';
      this.banner.classList.remove('visible');
    }
  }

  // ---- other people -------------------------------------------------------------------------
  addOrUpdate(p: PublicParticipant): void {
    let tile = this.tiles.get(p.id);
    if (!tile) {
      tile = new Tile(p.id, p.name, false);
      this.tiles.set(p.id, tile);
      tile.setVideoPaused(this.videoPaused);
      tile.setServerSpeaking(this.serverSpeaking ? (this.speaking.get(p.id) ?? false) : null);
      tile.li.dataset.seat = String(p.seat);
      this.list.appendChild(tile.li);
      tile.setHand(this.hands.includes(p.id));
      tile.setSpotlight(this.spotlightId === p.id);
      this.placeSpotlight();
      this.layout();
      const stream = this.streams.get(p.id);
      if (stream) tile.setStream(stream, this.opts.speakerId);
    }
    tile.li.dataset.seat = String(p.seat);
    tile.update(p);
  }

  remove(id: string): void {
    this.tiles.get(id)?.destroy();
    this.tiles.delete(id);
    this.streams.delete(id);
    this.speaking.delete(id);
    this.layout();
  }

  /**
   * Size the tiles so that everyone fits on the screen when possible: try every column
   * count and keep the one giving the largest tiles. On a small phone with many people
   * the tiles keep a readable minimum size and the list scrolls.
   */
  private layout(): void {
    const n = this.list.children.length;
    const width = this.list.clientWidth;
    const height = this.list.clientHeight;
    if (!n || !width) return;
    const style = getComputedStyle(this.list);
    const gap = parseFloat(style.columnGap) || 8;
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const caption = 2.9 * rem + 8; // caption bar and tile border
    const minWidth = Math.min(width, 9 * rem);
    const spot = this.spotlitTile();
    let best: { cols: number; size: number };
    if (spot && n > 1) {
      // The spotlit person first, across the top and larger; the others share the rest.
      const spotHeight = height > 0 ? height * 0.6 : 0;
      const spotWidth = height > 0 ? Math.min(width, ((spotHeight - caption) * 4) / 3) : width;
      best = fitGrid(n - 1, width, height > 0 ? Math.max(1, height - spotHeight - gap) : 0, gap, caption, minWidth);
      // Always clearly larger than the others (on a small screen the list scrolls).
      const spotSize = Math.min(width, Math.max(spotWidth, minWidth, best.size * 1.5));
      this.list.style.setProperty('--spot-width', `${Math.floor(spotSize)}px`);
    } else {
      best = fitGrid(n, width, height, gap, caption, minWidth);
    }
    this.list.style.setProperty('--cols', String(best.cols));
    this.list.style.setProperty('--tile-width', `${Math.floor(best.size)}px`);
  }

  setStream(id: string, stream: MediaStream): void {
    this.streams.set(id, stream);
    this.tiles.get(id)?.setStream(stream, this.opts.speakerId);
  }

  /** The room's media was set up again: every tile waits for its new media. */
  clearStreams(): void {
    this.streams.clear();
    for (const tile of this.tiles.values()) tile.setStream(null, this.opts.speakerId);
  }

  /** Each other person's tile height in device pixels, by participant id. */
  tileHeights(): Record<string, number> {
    const heights: Record<string, number> = {};
    for (const [id, tile] of this.tiles) heights[id] = tile.drawnHeight();
    return heights;
  }

  /** The server pauses (or resumes) video to us to keep the sound clear. */
  setVideoPaused(paused: boolean): void {
    if (paused === this.videoPaused) return;
    this.videoPaused = paused;
    this.pausedEl.hidden = !paused;
    for (const tile of this.tiles.values()) tile.setVideoPaused(paused);
  }

  /** Who speaks: from the server (SFU rooms) or measured from the sound here (mesh). */
  useServerSpeaking(server: boolean): void {
    this.serverSpeaking = server;
    this.speaking.clear();
    this.selfTile.setServerSpeaking(server ? false : null);
    for (const tile of this.tiles.values()) tile.setServerSpeaking(server ? false : null);
  }

  /** The server says someone (or you: id null) started or stopped speaking. */
  setSpeaking(id: string | null, speaking: boolean): void {
    if (!this.serverSpeaking) return;
    if (id === null) {
      this.selfTile.setServerSpeaking(speaking);
      return;
    }
    this.speaking.set(id, speaking);
    this.tiles.get(id)?.setServerSpeaking(speaking);
  }

  announce(text: string): void {
    // Cleared first so the same words are read again if they repeat.
    this.announcer.textContent = '';
    window.clearTimeout(this.announceTimer);
    this.announceTimer = window.setTimeout(() => {
      this.announcer.textContent = text;
    }, 100);
  }

  /** A short message about your own state, shown for a while. */
  notify(text: string): void {
    this.noteEl.textContent = text;
    this.noteEl.hidden = false;
    window.clearTimeout(this.noteTimer);
    this.noteTimer = window.setTimeout(() => {
      this.noteEl.hidden = true;
    }, 10_000);
  }

  private tick(): void {
    const now = performance.now();
    this.selfTile.tick(now);
    for (const tile of this.tiles.values()) tile.tick(now);
  }

  destroy(): void {
    closeDialogs();
    this.panels.destroy();
    this.resize?.disconnect();
    window.clearInterval(this.timer);
    window.clearTimeout(this.announceTimer);
    window.clearTimeout(this.noteTimer);
    this.selfTile.destroy();
    for (const tile of this.tiles.values()) tile.destroy();
    this.tiles.clear();
    this.root.remove();
  }
}
