// One interface for the room's media, whichever way it flows.
//
// The room's media set-up (`media` {mode, epoch} in the join snapshot and the numbered
// `room.media` event) picks the implementation: `MeshSession` (peer to peer, one
// connection per other person, negotiated through `signal`) or `SfuSession` (two
// connections to the server's SFU, negotiated through `sfu.*`). When the epoch changes
// the call closes the session and starts one for the new set-up; tiles and the local
// tracks stay.

import type {
  Ack,
  IceServer,
  ParticipantId,
  PublicParticipant,
  RequestName,
  Requests,
  RoomMedia,
  SfuOffer,
  SignalEvent,
} from './protocol';

export interface LocalTracks {
  stream: MediaStream;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

/** What a session needs from the call around it. */
export interface SessionHost {
  readonly selfId: string;
  /** The tracks to send (null for observers and people without devices). */
  readonly local: LocalTracks | null;
  iceServers(): IceServer[];
  /** Everyone in the room as last known (ourselves included). */
  participants(): Map<string, PublicParticipant>;
  /** Joined, with the server connection up. */
  online(): boolean;
  request<N extends RequestName>(name: N, payload: Requests[N]['request']): Promise<Ack<Requests[N]['ack']>>;
  /** The media received from a person changed (a new track, a new connection). */
  stream(peerId: ParticipantId, stream: MediaStream): void;
  /** How tall each person's tile is drawn, in device pixels. */
  tileHeights(): Record<ParticipantId, number>;
  /** The server stopped (or restarted) video to us to keep the sound clear. */
  videoPaused(paused: boolean): void;
}

export interface MediaSession {
  readonly mode: RoomMedia['mode'];
  readonly epoch: number;
  /** Start for the people in the room now. `switching`: the room changed set-up while
   * everyone was in it (nobody is a newcomer). */
  start(switching: boolean): void;
  /** We joined again on the same set-up (a reconnect): keep what still works. */
  rejoined(resumed: boolean): void;
  /** The connection to the server dropped. */
  suspended(): void;
  personJoined(p: PublicParticipant): void;
  personUpdated(p: PublicParticipant, before: PublicParticipant): void;
  personLeft(id: ParticipantId): void;
  onSignal(event: SignalEvent): void;
  onSfuOffer(event: SfuOffer): void;
  close(): void;
}

export function sameMedia(a: RoomMedia | null, b: RoomMedia | null): boolean {
  return Boolean(a && b && a.mode === b.mode && a.epoch === b.epoch);
}
