// Camera and microphone: asking for them, listing devices, and measuring sound levels.

/** Modest video, to spare the CPU of everyone in a full mesh. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
};

export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export type DeviceProblem = 'blocked' | 'missing' | 'busy' | 'failed';

export interface LocalMedia {
  stream: MediaStream;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  audioProblem: DeviceProblem | null;
  videoProblem: DeviceProblem | null;
}

export function mediaAvailable(): boolean {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

function problemOf(err: unknown): DeviceProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'blocked';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'failed';
  }
}

async function get(constraints: MediaStreamConstraints): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia(constraints);
}

/**
 * Ask for the microphone and the camera. Whatever is refused or missing is reported,
 * never thrown: a person can always join to listen.
 */
export async function acquireMedia(opts: {
  cameraId?: string;
  microphoneId?: string;
}): Promise<LocalMedia> {
  const audio: MediaTrackConstraints = {
    ...AUDIO_CONSTRAINTS,
    ...(opts.microphoneId ? { deviceId: { exact: opts.microphoneId } } : {}),
  };
  const video: MediaTrackConstraints = {
    ...VIDEO_CONSTRAINTS,
    ...(opts.cameraId ? { deviceId: { exact: opts.cameraId } } : {}),
  };
  const result: LocalMedia = {
    stream: new MediaStream(),
    audio: null,
    video: null,
    audioProblem: null,
    videoProblem: null,
  };
  if (!mediaAvailable()) {
    result.audioProblem = result.videoProblem = 'blocked';
    return result;
  }
  try {
    result.stream = await get({ audio, video });
  } catch (both) {
    // One of the two may still work on its own.
    try {
      result.stream = await get({ audio });
      result.videoProblem = problemOf(both);
    } catch (audioErr) {
      result.audioProblem = problemOf(audioErr);
      try {
        result.stream = await get({ video });
      } catch (videoErr) {
        result.videoProblem = problemOf(videoErr);
      }
    }
    if (result.videoProblem === null && result.stream.getVideoTracks().length === 0) {
      result.videoProblem = 'missing';
    }
  }
  result.audio = result.stream.getAudioTracks()[0] ?? null;
  result.video = result.stream.getVideoTracks()[0] ?? null;
  if (!result.audio && !result.audioProblem) result.audioProblem = 'missing';
  if (!result.video && !result.videoProblem) result.videoProblem = 'missing';
  return result;
}

export function stopMedia(media: LocalMedia | null): void {
  media?.stream.getTracks().forEach((t) => t.stop());
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  const lists: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  if (!navigator.mediaDevices?.enumerateDevices) return lists;
  try {
    for (const d of await navigator.mediaDevices.enumerateDevices()) {
      if (!d.deviceId) continue; // labels and ids are hidden until permission is given
      if (d.kind === 'videoinput') lists.cameras.push(d);
      else if (d.kind === 'audioinput') lists.microphones.push(d);
      else if (d.kind === 'audiooutput') lists.speakers.push(d);
    }
  } catch {
    // Nothing to list.
  }
  return lists;
}

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

export function canChooseSpeaker(): boolean {
  return typeof (HTMLMediaElement.prototype as SinkElement).setSinkId === 'function';
}

export async function setSpeaker(el: HTMLMediaElement, sinkId: string): Promise<void> {
  const media = el as SinkElement;
  if (!sinkId || typeof media.setSinkId !== 'function') return;
  try {
    await media.setSinkId(sinkId);
  } catch {
    // The chosen speaker went away; the default one keeps playing.
  }
}

// ---- Sound levels ---------------------------------------------------------------------------

let sharedContext: AudioContext | null = null;

/** One AudioContext for the page. Browsers start it suspended until the person acts. */
export function audioContext(): AudioContext | null {
  if (sharedContext) return sharedContext;
  const Ctor =
    window.AudioContext ??
    (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return null;
  sharedContext = new Ctor();
  if (sharedContext.state === 'suspended') {
    const resume = (): void => {
      void sharedContext?.resume();
      if (sharedContext?.state === 'running') {
        document.removeEventListener('pointerdown', resume, true);
        document.removeEventListener('keydown', resume, true);
      }
    };
    document.addEventListener('pointerdown', resume, true);
    document.addEventListener('keydown', resume, true);
    void sharedContext.resume().catch(() => undefined);
  }
  return sharedContext;
}

/** The loudness of one audio track, from 0 to 1, read on demand. */
export class AudioLevel {
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Uint8Array<ArrayBuffer>;

  constructor(
    ctx: AudioContext,
    readonly track: MediaStreamTrack,
  ) {
    this.source = ctx.createMediaStreamSource(new MediaStream([track]));
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.analyser.smoothingTimeConstant = 0.3;
    this.buffer = new Uint8Array(new ArrayBuffer(this.analyser.fftSize));
    this.source.connect(this.analyser);
  }

  /** Root-mean-square level of the latest samples, scaled to roughly 0..1. */
  read(): number {
    if (this.track.readyState === 'ended' || !this.track.enabled) return 0;
    this.analyser.getByteTimeDomainData(this.buffer);
    let sum = 0;
    for (const v of this.buffer) {
      const x = (v - 128) / 128;
      sum += x * x;
    }
    const rms = Math.sqrt(sum / this.buffer.length);
    return Math.min(1, rms * 4);
  }

  close(): void {
    try {
      this.source.disconnect();
      this.analyser.disconnect();
    } catch {
      // Already disconnected.
    }
  }
}

/** Turns a stream of levels into a calm "speaking" signal (no flicker between words). */
export class SpeakingDetector {
  private lastLoud = 0;
  speaking = false;

  constructor(
    private readonly threshold = 0.06,
    private readonly holdMs = 600,
  ) {}

  update(level: number, now: number): boolean {
    if (level >= this.threshold) this.lastLoud = now;
    this.speaking = now - this.lastLoud < this.holdMs;
    return this.speaking;
  }
}
