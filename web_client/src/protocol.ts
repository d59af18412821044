// The Socket.IO protocol, as the browser sees it.
//
// This file mirrors `signaling/protocol.py` (events and payload schemas),
// `facilitation/errors.py` (error codes) and `rooms/model.py` (Participant.public_view).
// Those Python modules are the reference: when they change, change this file with them.
// Transport: Socket.IO over WebSocket only, msgpack parser.

// ---- Ids ------------------------------------------------------------------------------
/** Participant, session and peer-connection ids match this pattern. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export type ParticipantId = string;

// Limits the server enforces on what a client sends.
export const MAX_SDP_CHARS = 64 * 1024;
export const MAX_CANDIDATE_CHARS = 1024;

// ---- Error codes (facilitation/errors.py ErrorCode) --------------------------------------
export type ErrorCode =
  // Transport and validation
  | 'invalid_payload'
  | 'payload_too_large'
  | 'unknown_event'
  | 'rate_limited'
  | 'internal_error'
  // Join tokens
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_claims_invalid'
  | 'token_wrong_session'
  // Session and room rules
  | 'not_joined'
  | 'already_joined'
  | 'not_permitted'
  | 'not_in_room'
  | 'peer_not_in_room'
  | 'peer_unavailable'
  | 'session_ended'
  | 'muted_by_facilitator'
  | 'media_unavailable'
  | 'media_changed'
  | 'replaced';

export const TOKEN_ERROR_CODES: readonly ErrorCode[] = [
  'token_missing',
  'token_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_claims_invalid',
  'token_wrong_session',
];

export interface ErrorBody {
  code: ErrorCode | string;
  message: string;
}

export interface Refusal {
  ok: false;
  error: ErrorBody;
}

export type Ack<T> = ({ ok: true } & T) | Refusal;

// ---- Roles (rooms/model.py Role) ------------------------------------------------------------
export type Role = 'facilitator' | 'cofacilitator' | 'participant' | 'observer';

/** Roles that may publish audio and video (facilitation/permissions.py _PUBLISHERS). */
export function canPublish(role: Role | string): boolean {
  return role === 'facilitator' || role === 'cofacilitator' || role === 'participant';
}

// ---- Records ----------------------------------------------------------------------------------
/** rooms/model.py Participant.public_view(). */
export interface PublicParticipant {
  id: ParticipantId;
  name: string;
  role: Role;
  seat: number;
  audio_muted: boolean;
  video_off: boolean;
  /** Stopped by a facilitator, enforced by the server; the person cannot lift it. */
  audio_blocked?: boolean;
  video_blocked?: boolean;
  connection: 'connected' | 'reconnecting';
}

/** rooms/model.py Room.media_view(): how the room's media flows. */
export interface RoomMedia {
  /** mesh: peer to peer (`signal`); sfu: through the server's SFU (`sfu.*`). */
  mode: 'mesh' | 'sfu';
  /** Bumped by every change of set-up; media is set up again when it changes. */
  epoch: number;
}

/** facilitation/base.py RoomSnapshot.to_dict(). */
export interface RoomSnapshot {
  room: string;
  seq: number;
  participants: PublicParticipant[];
  media?: RoomMedia;
}

// ---- Connection: Socket.IO `auth` (ConnectAuth) -----------------------------------------
export interface ConnectAuth {
  token: string;
  session: string;
}

/** `connect_error` for a refused connection carries `err.data = {code, message}`. */
export type ConnectErrorData = ErrorBody;

// ---- Requests (client -> server), each acknowledged -------------------------------------------
export interface JoinRequest {
  audio_muted?: boolean;
  video_off?: boolean;
  last_seq?: number | null;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface JoinAck {
  self: PublicParticipant;
  room: RoomSnapshot;
  resumed: boolean;
  /** Room events after `last_seq` on a reconnect, when the server still has them. */
  missed: RoomEvent[] | null;
  ice_servers: IceServer[];
  grace_seconds: number;
}

export type LeaveRequest = Record<string, never>;

export interface MediaUpdateRequest {
  audio_muted?: boolean;
  video_off?: boolean;
}

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** `signal`: exactly one of `description` and `candidate`. */
export interface SignalRequest {
  to: ParticipantId;
  pc: string;
  description?: SessionDescription;
  candidate?: IceCandidate;
}

export interface SyncRequest {
  room: string;
  since: number;
}

export type SyncAck = { events: RoomEvent[]; snapshot?: undefined } | { snapshot: RoomSnapshot; events?: undefined };

// ---- The SFU (rooms whose media mode is "sfu"; see sfu.ts) ----------------------------------
export interface SfuPublishRequest {
  epoch: number;
  jsep: SessionDescription; // an offer
}
export interface SfuSubscribeRequest {
  epoch: number;
}
/** Which participant's audio or video each m-line of the SFU's offer carries. */
export interface SfuStream {
  mid: string;
  participant_id: ParticipantId;
  kind: 'audio' | 'video';
}
export interface SfuSubscribeAck {
  jsep: SessionDescription | null;
  streams: SfuStream[];
}
export interface SfuAnswerRequest {
  epoch: number;
  jsep: SessionDescription; // an answer
}
export interface SfuTrickleRequest {
  epoch: number;
  target: 'publisher' | 'subscriber';
  candidate?: IceCandidate | null;
}
export interface SfuReceiveRequest {
  epoch: number;
  /** Each tile's drawn height in device pixels, by participant id. */
  tiles: Record<ParticipantId, number>;
  /** Packet loss on the receiving connection since the last report, 0 to 1. */
  loss: number;
}
/** Facilitators only: stop (true) or let through again (false) someone's media. */
export interface ModerateMediaRequest {
  participant_id: ParticipantId;
  audio_blocked?: boolean | null;
  video_blocked?: boolean | null;
}

type Empty = Record<string, never>;

export interface Requests {
  join: { request: JoinRequest; ack: JoinAck };
  leave: { request: LeaveRequest; ack: Empty };
  'media.update': { request: MediaUpdateRequest; ack: Empty };
  signal: { request: SignalRequest; ack: Empty };
  sync: { request: SyncRequest; ack: SyncAck };
  'sfu.publish': { request: SfuPublishRequest; ack: { jsep: SessionDescription } };
  'sfu.subscribe': { request: SfuSubscribeRequest; ack: SfuSubscribeAck };
  'sfu.answer': { request: SfuAnswerRequest; ack: Empty };
  'sfu.trickle': { request: SfuTrickleRequest; ack: Empty };
  'sfu.receive': { request: SfuReceiveRequest; ack: { video_paused: boolean } };
  'moderate.media': { request: ModerateMediaRequest; ack: Empty };
}

export type RequestName = keyof Requests;

// ---- Server events ---------------------------------------------------------------------------
export interface ParticipantJoined {
  participant: PublicParticipant;
}
export interface ParticipantUpdated {
  participant: PublicParticipant;
}
export interface ParticipantLeft {
  participant_id: ParticipantId;
  reason: 'left' | 'connection_lost';
}

export type RoomEvent =
  | { room: string; seq: number; name: 'participant.joined'; payload: ParticipantJoined }
  | { room: string; seq: number; name: 'participant.updated'; payload: ParticipantUpdated }
  | { room: string; seq: number; name: 'participant.left'; payload: ParticipantLeft }
  | { room: string; seq: number; name: 'room.media'; payload: RoomMedia };

export interface SignalEvent {
  from: ParticipantId;
  pc: string;
  description?: SessionDescription;
  candidate?: IceCandidate;
}

export type SessionClosed = ErrorBody;

/** A new SFU offer for the receiving connection. */
export interface SfuOffer {
  room: string;
  epoch: number;
  jsep: SessionDescription;
  streams: SfuStream[];
}

/** Who is speaking (from the SFU): not numbered, not kept. */
export interface ParticipantSpeaking {
  room: string;
  participant_id: ParticipantId;
  speaking: boolean;
}

export interface ServerEvents {
  'room.event': (event: RoomEvent) => void;
  signal: (event: SignalEvent) => void;
  'session.closed': (event: SessionClosed) => void;
  'sfu.offer': (event: SfuOffer) => void;
  'participant.speaking': (event: ParticipantSpeaking) => void;
}
