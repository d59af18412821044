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

/** facilitation/presence.py RoomSnapshot.to_dict(). */
export interface RoomSnapshot {
  room: string;
  seq: number;
  participants: PublicParticipant[];
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

export interface Requests {
  join: { request: JoinRequest; ack: JoinAck };
  leave: { request: LeaveRequest; ack: Record<string, never> };
  'media.update': { request: MediaUpdateRequest; ack: Record<string, never> };
  signal: { request: SignalRequest; ack: Record<string, never> };
  sync: { request: SyncRequest; ack: SyncAck };
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
  | { room: string; seq: number; name: 'participant.left'; payload: ParticipantLeft };

export interface SignalEvent {
  from: ParticipantId;
  pc: string;
  description?: SessionDescription;
  candidate?: IceCandidate;
}

export type SessionClosed = ErrorBody;

export interface ServerEvents {
  'room.event': (event: RoomEvent) => void;
  signal: (event: SignalEvent) => void;
  'session.closed': (event: SessionClosed) => void;
}
