// The device check shown before joining: see yourself, see that you are heard, choose
// devices, then join. Nothing here is required: a person can always join to listen.

import type { JoinChoices } from './call';
import { clear, h } from './dom';
import type { JoinLink } from './link';
import {
  AudioLevel,
  type DeviceProblem,
  type LocalMedia,
  acquireMedia,
  audioContext,
  canChooseSpeaker,
  listDevices,
  mediaAvailable,
  setSpeaker,
  stopMedia,
} from './media';
import { canPublish } from './protocol';
import { INSECURE_CONTEXT } from './words';

export type ServerState = 'connecting' | 'ready' | 'unreachable';

function problemText(device: 'camera' | 'microphone', problem: DeviceProblem): string {
  switch (problem) {
    case 'blocked':
      return `Your browser is not allowing this page to use your ${device}.`;
    case 'missing':
      return `No ${device} was found.`;
    case 'busy':
      return `Your ${device} is being used by another app. Close that app, then choose “Try again”.`;
    default:
      return `Your ${device} could not be started.`;
  }
}

export class DeviceCheck {
  private readonly root: HTMLElement;
  private readonly notices: HTMLElement;
  private readonly preview: HTMLVideoElement;
  private readonly previewBox: HTMLElement;
  private readonly previewNote: HTMLElement;
  private readonly meterFill: HTMLElement;
  private readonly meter: HTMLElement;
  private readonly cameraSelect: HTMLSelectElement;
  private readonly micSelect: HTMLSelectElement;
  private readonly speakerSelect: HTMLSelectElement;
  private readonly speakerRow: HTMLElement;
  private readonly cameraRow: HTMLElement;
  private readonly micRow: HTMLElement;
  private readonly startMuted: HTMLInputElement;
  private readonly startCameraOff: HTMLInputElement;
  private readonly joinButton: HTMLButtonElement;
  private readonly retryButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly publisher: boolean;
  private media: LocalMedia | null = null;
  private level: AudioLevel | null = null;
  private meterTimer = 0;
  private serverState: ServerState = 'connecting';
  private joinRequested = false;
  private acquiring: Promise<void> | null = null;
  private done = false;

  constructor(
    private readonly container: HTMLElement,
    link: JoinLink,
    private readonly onJoin: (choices: JoinChoices) => void,
  ) {
    this.publisher = canPublish(link.role);
    const greeting = link.name ? `Welcome, ${link.name}` : 'Welcome';

    this.notices = h('div', { class: 'notices' });
    this.preview = h('video', { class: 'mirror', autoplay: true, playsinline: true });
    this.preview.muted = true;
    this.preview.autoplay = true;
    this.preview.playsInline = true;
    this.previewNote = h('span', { class: 'placeholder-note' }, 'Starting your camera…');
    this.previewBox = h(
      'div',
      { class: 'preview video-off' },
      this.preview,
      h('div', { class: 'placeholder' }, this.previewNote),
    );
    this.meterFill = h('span', { class: 'meter-fill' });
    this.meter = h(
      'div',
      {
        class: 'meter',
        role: 'meter',
        'aria-label': 'Microphone level',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': '0',
      },
      this.meterFill,
    );
    this.cameraSelect = h('select', { id: 'camera-select' });
    this.micSelect = h('select', { id: 'mic-select' });
    this.speakerSelect = h('select', { id: 'speaker-select' });
    this.cameraRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'camera-select' }, 'Camera'), this.cameraSelect);
    this.micRow = h('div', { class: 'field', hidden: true }, h('label', { for: 'mic-select' }, 'Microphone'), this.micSelect);
    const testSound = h('button', { type: 'button', class: 'button secondary' }, 'Play a test sound');
    testSound.addEventListener('click', () => void this.playTestSound());
    this.speakerRow = h(
      'div',
      { class: 'field', hidden: true },
      h('label', { for: 'speaker-select' }, 'Speaker'),
      this.speakerSelect,
      testSound,
    );
    this.startMuted = h('input', { type: 'checkbox', id: 'start-muted' });
    this.startCameraOff = h('input', { type: 'checkbox', id: 'start-camera-off' });
    this.retryButton = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Try again');
    this.retryButton.addEventListener('click', () => void this.acquire());
    this.joinButton = h('button', { type: 'submit', class: 'button primary join' }, 'Join');
    this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });

    const form = h('form', { class: 'check-form' });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.requestJoin();
    });

    const intro = this.publisher
      ? 'Before you join, let’s check that the group will see and hear you.'
      : 'You are joining as an observer. You will see and hear the group. They will not see or hear you.';

    if (this.publisher) {
      form.append(
        this.previewBox,
        h(
          'div',
          { class: 'field' },
          h('span', { class: 'label', id: 'meter-label' }, 'Microphone level'),
          this.meter,
          h('span', { class: 'hint' }, 'Say something. The bar moves when your microphone hears you.'),
        ),
        this.cameraRow,
        this.micRow,
        this.speakerRow,
        h(
          'div',
          { class: 'choices' },
          h('label', { class: 'check' }, this.startMuted, ' Join with my microphone muted'),
          h('label', { class: 'check' }, this.startCameraOff, ' Join with my camera off'),
        ),
        this.retryButton,
        this.joinButton,
      );
    } else {
      form.append(this.speakerRow, this.joinButton);
    }

    this.root = h(
      'main',
      { class: 'check-screen', 'aria-labelledby': 'check-title' },
      h('h1', { id: 'check-title', tabindex: '-1' }, greeting),
      h('p', { class: 'lead' }, intro),
      this.notices,
      form,
      this.status,
    );
    clear(container);
    container.appendChild(this.root);
    this.setServerState('connecting');
  }

  async start(): Promise<void> {
    if (this.publisher) {
      if (!window.isSecureContext || !mediaAvailable()) {
        this.notice(INSECURE_CONTEXT, 'warning');
        this.previewNote.textContent = 'Camera not available';
      } else {
        await this.acquire();
      }
    }
    await this.fillSpeakers();
  }

  setServerState(state: ServerState): void {
    this.serverState = state;
    if (state === 'ready') {
      this.status.textContent = this.joinRequested ? 'Joining…' : '';
      if (this.joinRequested) this.finish();
    } else if (state === 'unreachable') {
      this.status.textContent = 'We cannot reach the session right now. We will keep trying…';
    } else {
      this.status.textContent = this.joinRequested ? 'Connecting…' : '';
    }
  }

  private notice(text: string, kind: 'warning' | 'info' = 'info'): void {
    this.notices.appendChild(h('p', { class: `notice ${kind}` }, text));
  }

  private async acquire(): Promise<void> {
    if (this.acquiring) return this.acquiring;
    this.acquiring = (async () => {
      clear(this.notices);
      this.retryButton.hidden = true;
      this.stopLocal();
      const media = await acquireMedia({
        cameraId: this.cameraSelect.value || undefined,
        microphoneId: this.micSelect.value || undefined,
      });
      if (this.done) {
        stopMedia(media);
        return;
      }
      this.media = media;
      this.preview.srcObject = media.video ? media.stream : null;
      this.previewBox.classList.toggle('video-off', !media.video);
      this.previewNote.textContent = media.video ? '' : 'Camera not available';
      if (media.video) void this.preview.play().catch(() => undefined);
      this.startMeter();

      const problems: string[] = [];
      if (media.videoProblem) problems.push(problemText('camera', media.videoProblem));
      if (media.audioProblem) problems.push(problemText('microphone', media.audioProblem));
      if (problems.length) {
        const after =
          media.audio || media.video
            ? `You can still join. ${media.audio ? 'The group will hear you but not see you.' : 'The group will see you but not hear you.'}`
            : 'You can still join to listen and watch. The group will not see or hear you.';
        const fix =
          media.audioProblem === 'blocked' || media.videoProblem === 'blocked'
            ? ' To change this, allow the camera and microphone for this page in your browser’s settings, then choose “Try again”.'
            : '';
        this.notice(`${problems.join(' ')} ${after}${fix}`, 'warning');
        this.retryButton.hidden = false;
      }
      await this.fillInputs();
    })();
    try {
      await this.acquiring;
    } finally {
      this.acquiring = null;
    }
  }

  private startMeter(): void {
    this.level?.close();
    this.level = null;
    window.clearInterval(this.meterTimer);
    const track = this.media?.audio;
    const ctx = audioContext();
    if (!track || !ctx) return;
    try {
      this.level = new AudioLevel(ctx, track);
    } catch {
      return;
    }
    this.meterTimer = window.setInterval(() => {
      const value = this.level ? this.level.read() : 0;
      this.meterFill.style.transform = `scaleX(${value.toFixed(3)})`;
      this.meter.setAttribute('aria-valuenow', String(Math.round(value * 100)));
    }, 100);
  }

  private fillSelect(select: HTMLSelectElement, devices: MediaDeviceInfo[], current: string, noun: string): void {
    clear(select);
    devices.forEach((d, i) => {
      const option = h('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`);
      select.appendChild(option);
    });
    if (current && devices.some((d) => d.deviceId === current)) select.value = current;
  }

  private async fillInputs(): Promise<void> {
    const lists = await listDevices();
    const camId = this.media?.video?.getSettings().deviceId ?? '';
    const micId = this.media?.audio?.getSettings().deviceId ?? '';
    this.fillSelect(this.cameraSelect, lists.cameras, camId, 'Camera');
    this.fillSelect(this.micSelect, lists.microphones, micId, 'Microphone');
    this.cameraRow.hidden = lists.cameras.length === 0;
    this.micRow.hidden = lists.microphones.length === 0;
    this.cameraSelect.onchange = () => void this.acquire();
    this.micSelect.onchange = () => void this.acquire();
  }

  private async fillSpeakers(): Promise<void> {
    if (!canChooseSpeaker()) return;
    const lists = await listDevices();
    this.fillSelect(this.speakerSelect, lists.speakers, this.speakerSelect.value, 'Speaker');
    this.speakerRow.hidden = lists.speakers.length === 0;
  }

  private async playTestSound(): Promise<void> {
    const ctx = audioContext();
    if (!ctx) return;
    await ctx.resume().catch(() => undefined);
    const dest = ctx.createMediaStreamDestination();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 523.25;
    gain.gain.setValueAtTime(0, ctx.currentTime);
    gain.gain.linearRampToValueAtTime(0.2, ctx.currentTime + 0.05);
    gain.gain.linearRampToValueAtTime(0, ctx.currentTime + 0.9);
    osc.connect(gain).connect(dest);
    const audio = new Audio();
    audio.srcObject = dest.stream;
    await setSpeaker(audio, this.speakerSelect.value);
    osc.start();
    osc.stop(ctx.currentTime + 1);
    await audio.play().catch(() => undefined);
    window.setTimeout(() => {
      audio.srcObject = null;
      osc.disconnect();
    }, 1200);
  }

  private requestJoin(): void {
    if (this.joinRequested) return;
    this.joinRequested = true;
    this.joinButton.disabled = true;
    this.joinButton.textContent = 'Joining…';
    // The AudioContext may start now that the person has clicked.
    void audioContext()?.resume().catch(() => undefined);
    if (this.serverState === 'ready') this.finish();
    else this.setServerState(this.serverState);
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    if (this.acquiring) await this.acquiring;
    if (this.done) return;
    this.done = true;
    const choices: JoinChoices = {
      media: this.media,
      audioMuted: this.startMuted.checked,
      videoOff: this.startCameraOff.checked,
      speakerId: this.speakerSelect.value,
    };
    this.media = null; // handed over to the call
    this.teardown();
    this.onJoin(choices);
  }

  private stopLocal(): void {
    this.level?.close();
    this.level = null;
    window.clearInterval(this.meterTimer);
    this.preview.srcObject = null;
    stopMedia(this.media);
    this.media = null;
  }

  private teardown(): void {
    this.level?.close();
    this.level = null;
    window.clearInterval(this.meterTimer);
    this.preview.srcObject = null;
    this.root.remove();
  }

  /** Leave the check without joining (e.g. the link was refused). */
  destroy(): void {
    this.done = true;
    this.stopLocal();
    this.root.remove();
  }

  get element(): HTMLElement {
    return this.container;
  }
}
