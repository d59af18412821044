// Activity reports for the facilitators' engagement view (`activity.report`): whether this
// page is in view, and, in peer-to-peer rooms (where the server hears no sound), how long
// our own microphone carried speech. In SFU rooms the server measures talk itself, so
// only visibility is reported. Reports go when the page's visibility changes and every
// few seconds while there is speech to report, never more often than the server allows
// (a burst of four, then one every two seconds). Nothing here is shown to anyone.

import { AudioLevel, SpeakingDetector, audioContext } from './media';
import type { RequestFn } from './facilitator';

/** How often the microphone's level is read. */
const SAMPLE_MS = 200;
/** Speech is reported this often at most (and visibility changes at once). */
const REPORT_EVERY_MS = 6000;
/** Never two reports closer than this (the server's steady rate is one every two seconds). */
const MIN_GAP_MS = 2200;
const MAX_REPORTED_SECONDS = 60;

export interface ActivitySource {
  /** Our microphone track, if we have one. */
  microphone(): MediaStreamTrack | null;
  /** The room's media goes peer to peer (we measure talk) rather than through the SFU. */
  peerToPeer(): boolean;
  muted(): boolean;
  /** In a room, with the server connection up. */
  online(): boolean;
}

export class ActivityReporter {
  private level: AudioLevel | null = null;
  private readonly detector = new SpeakingDetector();
  private speakingMs = 0;
  private lastSample = 0;
  private lastSent = 0;
  private sentVisible: boolean | null = null;
  private readonly sampler: number;
  private pending = 0;

  constructor(
    private readonly request: RequestFn,
    private readonly source: ActivitySource,
  ) {
    this.sampler = window.setInterval(() => this.sample(), SAMPLE_MS);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Joined (or joined again after a reconnect): the server hears how things stand now. */
  joined(): void {
    this.sentVisible = null;
    this.schedule();
  }

  private readonly onVisibility = (): void => this.schedule();

  private visible(): boolean {
    return document.visibilityState !== 'hidden';
  }

  private sample(): void {
    const now = performance.now();
    const elapsed = this.lastSample ? Math.min(now - this.lastSample, 2000) : 0;
    this.lastSample = now;
    if (!this.source.online()) return;
    const track = this.source.microphone();
    if (this.source.peerToPeer() && !this.source.muted() && track && track.readyState === 'live') {
      if (this.level?.track !== track) this.listenTo(track);
      if (this.level && this.detector.update(this.level.read(), now)) this.speakingMs += elapsed;
    }
    if (this.speakingMs > 0 && now - this.lastSent >= REPORT_EVERY_MS) this.schedule();
  }

  private listenTo(track: MediaStreamTrack): void {
    this.level?.close();
    this.level = null;
    const ctx = audioContext();
    if (!ctx) return;
    try {
      this.level = new AudioLevel(ctx, track);
    } catch {
      this.level = null;
    }
  }

  /** Send a report as soon as the server's limit allows. */
  private schedule(): void {
    if (this.pending) return;
    const wait = Math.max(0, this.lastSent + MIN_GAP_MS - performance.now());
    this.pending = window.setTimeout(() => {
      this.pending = 0;
      void this.send();
    }, wait);
  }

  private async send(): Promise<void> {
    if (!this.source.online()) return;
    const visible = this.visible();
    const seconds = Math.min(MAX_REPORTED_SECONDS, Math.round(this.speakingMs) / 1000);
    if (visible === this.sentVisible && seconds <= 0) return;
    this.lastSent = performance.now();
    this.speakingMs = 0;
    const ack = await this.request(
      'activity.report',
      seconds > 0 ? { visible, speaking_seconds: seconds } : { visible },
    );
    if (ack.ok) this.sentVisible = visible;
    // Refused for a passing reason (too soon, a timeout): try again shortly.
    else if (ack.error.code === 'rate_limited' || ack.error.code === 'timeout') this.schedule();
  }

  destroy(): void {
    window.clearInterval(this.sampler);
    window.clearTimeout(this.pending);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.level?.close();
    this.level = null;
  }
}
