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
  | 'replaced'
  | 'in_check_in'
  // Coming in, and facilitator controls
  | 'waiting'
  | 'denied'
  | 'removed'
  | 'session_locked'
  | 'not_on_roster'
  | 'unmute_not_allowed'
  | 'not_found'
  // The whiteboard
  | 'whiteboard_locked'
  | 'whiteboard_full'
  | 'nothing_to_undo'
  | 'nothing_to_redo';

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

/** Facilitators and co-facilitators (facilitation/permissions.py FACILITATORS). The client
 * only uses it to show or hide controls: the server decides every request. */
export function isFacilitator(role: Role | string): boolean {
  return role === 'facilitator' || role === 'cofacilitator';
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
  /** What the server drops (a facilitator's block or mute); peers in a mesh stop
   * playing it too. */
  audio_blocked?: boolean;
  video_blocked?: boolean;
  /** In ask-to-unmute mode: a facilitator let this person unmute. */
  may_unmute?: boolean;
  /** In ask-to-unmute mode: this person asked to unmute. */
  unmute_requested?: boolean;
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
  /** Raised hands, in the order they went up. */
  hands?: ParticipantId[];
  /** Whom everyone's layout puts first. */
  spotlight?: ParticipantId | null;
  /** Who is speaking now (SFU rooms). */
  speaking?: ParticipantId[];
}

/** rooms/model.py Session.public_view(): the session's settings. */
export interface SessionSettings {
  locked: boolean;
  ask_to_unmute: boolean;
  roster_only: boolean;
}

/** Where a waiting person stands (`waiting` in the join ack, `waiting.status`). */
export interface WaitingStatus {
  admitted: boolean;
  rules_accepted: boolean;
  rules_required: boolean;
}

/** Someone in the waiting room, as facilitators see them. */
export interface WaitingPerson {
  id: ParticipantId;
  name: string;
  role: Role;
  waiting_since: number | null;
  rules_accepted: boolean;
  connection: 'connected' | 'reconnecting';
}

/** rooms/model.py ChatMessage.view(). */
export interface ChatMessage {
  id: string;
  from: ParticipantId;
  name: string;
  to: 'room' | 'facilitators';
  text: string;
  at: number;
  removed: boolean;
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
  /** The room `last_seq` counts in (missed events come only if the seat is still there). */
  last_room?: string | null;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface JoinAck {
  self: PublicParticipant;
  /** null while waiting to be admitted (then `waiting` says where you stand). */
  room: RoomSnapshot | null;
  waiting?: WaitingStatus | null;
  /** The session's ground rules. */
  rules?: string | null;
  session?: SessionSettings | null;
  chat?: ChatMessage[] | null;
  /** Facilitators: who waits to be admitted. */
  lobby?: WaitingPerson[] | null;
  /** The breakout rooms (the whole plan for facilitators), once in a room. */
  breakouts?: BreakoutsView | null;
  /** The open mood check-in, for a participant who has not answered it yet. */
  mood?: MoodAsked | null;
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

// ---- Coming in (waiting room, ground rules) and facilitator controls -----------------------
export interface ParticipantTarget {
  participant_id: ParticipantId;
}
export interface DenyRequest {
  participant_id: ParticipantId;
  message?: string | null;
}
export interface ConfigureSessionRequest {
  locked?: boolean | null;
  roster_only?: boolean | null;
  roster?: ParticipantId[] | null;
  rules_text?: string | null;
  /** When the session is scheduled, Unix seconds (attendance measures against it). */
  scheduled_start?: number | null;
  scheduled_end?: number | null;
  /** Facilitators: thresholds of the "may be withdrawn" flag (engagement section below). */
  engagement?: EngagementSettings | null;
}
export interface MuteRequest {
  participant_id: ParticipantId;
  audio?: boolean;
  video?: boolean;
}
export interface AskToUnmuteRequest {
  on: boolean;
}
export interface AllowUnmuteRequest {
  participant_id?: ParticipantId | null;
}
export interface RemoveRequest {
  participant_id: ParticipantId;
  keep_out?: boolean;
}
export interface PromoteRequest {
  participant_id: ParticipantId;
  role: 'cofacilitator' | 'participant';
}
export interface SpotlightRequest {
  participant_id?: ParticipantId | null;
}
export interface EndSessionRequest {
  message?: string | null;
}
export interface LowerHandRequest {
  participant_id?: ParticipantId | null;
}
export const MAX_CHAT_CHARS = 1000;
export interface ChatSendRequest {
  to: 'room' | 'facilitators';
  text: string;
  /** The room it was written in: refused (`not_in_room`) if you were moved meanwhile. */
  room?: string;
}
export interface ChatRemoveRequest {
  message_id: string;
}

// ---- Breakout rooms (facilitation/breakouts.py) -----------------------------------------------
/** A room id: a breakout's id, or "main" for the main room. */
export type RoomId = string;
export const MAIN_ROOM_ID = 'main';
export interface BreakoutRoom {
  id: RoomId;
  name: string;
}
export interface BreakoutsCreateRequest {
  /** 1 to 20 names, each up to 60 characters. */
  names: string[];
}
export interface BreakoutsAssignRequest {
  /** Participant id -> room id ("main" to stay); moves at once while the rooms are open. */
  assignments: Record<ParticipantId, RoomId>;
}
export interface BreakoutsRandomRequest {
  /** Who stays in the main room (facilitators and observers always do). */
  keep?: ParticipantId[];
}
export interface BreakoutsChoiceRequest {
  on: boolean;
}
export interface BreakoutsChooseRequest {
  room_id: RoomId;
}
export interface BreakoutsOpenRequest {
  /** 5 s to 4 h; none: no timer. */
  duration_seconds?: number | null;
}
export interface BreakoutsExtendRequest {
  /** 30 s to 1 h. */
  seconds: number;
}
export interface BreakoutsBroadcastRequest {
  /** Up to 500 characters. */
  text: string;
}
export interface BreakoutsVisitRequest {
  room_id: RoomId;
}

// ---- Attendance (facilitation/attendance.py) ---------------------------------------------------
export type AttendanceStatus = 'waiting' | 'present' | 'reconnecting' | 'left' | 'denied' | 'not_admitted';
/** One person's attendance; times in Unix seconds. */
export interface AttendanceRow {
  participant_id: ParticipantId;
  name: string;
  role: Role;
  status: AttendanceStatus;
  left_reason: 'left' | 'connection_lost' | 'removed' | 'denied' | 'session_ended' | null;
  arrived_at: number;
  admitted_at: number | null;
  left_at: number | null;
  minutes_present: number;
  late: boolean | null;
  late_by_minutes: number | null;
  left_early: boolean | null;
  left_early_by_minutes: number | null;
  reconnects: number;
  rules_accepted_at: number | null;
  presence: [number, number | null][];
}
export interface AttendanceLedger {
  session: string;
  scheduled_start: number | null;
  scheduled_end: number | null;
  ended_at: number | null;
  generated_at: number;
  participants: AttendanceRow[];
}
export interface AttendanceExportAck {
  attendance: AttendanceLedger;
  /** The same as CSV text, one row per person, times in ISO 8601 (UTC). */
  csv: string;
}

// ---- Engagement, mood check-in, reactions (facilitation/engagement.py, mood.py) ------------------
/** Thresholds, in seconds (0 switches a rule off); `mood_low` out of 10. */
export interface EngagementSettings {
  silent_seconds?: number | null;
  group_talk_seconds?: number | null;
  camera_off_seconds?: number | null;
  away_seconds?: number | null;
  mood_low?: number | null;
}
export type EngagementThresholds = Required<{ [K in keyof EngagementSettings]: number }>;
export type EngagementFlag = 'silent' | 'camera_off' | 'away' | 'mood_low';
export type MoodScale = 'ten' | 'faces';
export interface MoodAnswerRecord {
  check: string;
  scale: MoodScale;
  value: number;
  word: string | null;
  at: number;
}
/** One participant's signals, as facilitators see them (never sent to participants). */
export interface EngagementRow {
  participant_id: ParticipantId;
  name: string;
  room_id: RoomId;
  seat: number;
  connection: 'connected' | 'reconnecting';
  talk_seconds: number;
  /** Of everyone's talk, 0 to 1; null before anyone spoke. */
  talk_share: number | null;
  speaking: boolean;
  silent_seconds: number;
  others_talked_seconds: number;
  last_spoke_at: number | null;
  camera_off: boolean;
  camera_off_for: number;
  camera_off_seconds: number;
  away: boolean;
  away_for: number;
  away_seconds: number;
  hand_raises: number;
  chat_messages: number;
  reactions: number;
  mood: MoodAnswerRecord | null;
  /** Packet loss on their receiving connection (SFU rooms), 0 to 1. */
  loss: number | null;
  reconnects: number;
  flagged: boolean;
  flags: EngagementFlag[];
  /** The flags in plain words ("silent for 12 minutes while others talked"). */
  reasons: string[];
}
/** `engagement.updated` (facilitators), and `engagement` in the `engagement.get` ack. */
export interface EngagementView {
  now: number;
  settings: EngagementThresholds;
  participants: EngagementRow[];
}
export interface MoodCheck {
  id: string;
  question: string;
  scale: MoodScale;
  open: boolean;
  started_at: number;
  ended_at: number | null;
}
/** `mood.updated` (facilitators), and `mood` in the `engagement.get` ack. */
export interface MoodView {
  check: MoodCheck | null;
  answers: { participant_id: ParticipantId; name: string; value: number; word: string | null; at: number }[];
  summary: { count: number; asked: number; average: number | null; low: ParticipantId[] } | null;
}
/** `mood.asked` (participants): a check-in to answer or skip. */
export interface MoodAsked {
  id: string;
  question: string;
  scale: MoodScale;
}
export interface MoodClosed {
  id: string;
}
export type ReactionKind = 'thumbs_up' | 'heart' | 'clap' | 'smile' | 'wave';
export interface ReactionShown {
  room: string;
  participant_id: ParticipantId;
  kind: ReactionKind;
}
export interface ReactionSendRequest {
  kind: ReactionKind;
}
export interface ActivityReportRequest {
  /** The page is in view (not another tab, not the app in the background). */
  visible: boolean;
  /** Peer-to-peer rooms: seconds the microphone carried speech since the last report. */
  speaking_seconds?: number | null;
}
export interface MoodStartRequest {
  scale: MoodScale;
  question?: string | null;
}
export interface MoodAnswerRequest {
  value: number;
  word?: string | null;
}
export const MAX_MOOD_WORD = 40;

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
  'rules.accept': { request: Empty; ack: Empty };
  'admission.admit': { request: ParticipantTarget; ack: Empty };
  'admission.admit_all': { request: Empty; ack: Empty };
  'admission.deny': { request: DenyRequest; ack: Empty };
  'session.configure': { request: ConfigureSessionRequest; ack: Empty };
  'moderate.mute': { request: MuteRequest; ack: Empty };
  'moderate.mute_all': { request: Empty; ack: Empty };
  'moderate.ask_to_unmute': { request: AskToUnmuteRequest; ack: Empty };
  'unmute.request': { request: Empty; ack: Empty };
  'unmute.allow': { request: AllowUnmuteRequest; ack: Empty };
  'moderate.remove': { request: RemoveRequest; ack: Empty };
  'moderate.promote': { request: PromoteRequest; ack: Empty };
  'room.spotlight': { request: SpotlightRequest; ack: Empty };
  'session.end': { request: EndSessionRequest; ack: Empty };
  'hand.raise': { request: Empty; ack: Empty };
  'hand.lower': { request: LowerHandRequest; ack: Empty };
  'hand.next': { request: Empty; ack: Empty };
  'chat.send': { request: ChatSendRequest; ack: Empty };
  'chat.remove': { request: ChatRemoveRequest; ack: Empty };
  'breakouts.create': { request: BreakoutsCreateRequest; ack: Empty };
  'breakouts.assign': { request: BreakoutsAssignRequest; ack: Empty };
  'breakouts.assign_randomly': { request: BreakoutsRandomRequest; ack: Empty };
  'breakouts.let_choose': { request: BreakoutsChoiceRequest; ack: Empty };
  'breakouts.choose': { request: BreakoutsChooseRequest; ack: Empty };
  'breakouts.open': { request: BreakoutsOpenRequest; ack: Empty };
  'breakouts.extend': { request: BreakoutsExtendRequest; ack: Empty };
  'breakouts.broadcast': { request: BreakoutsBroadcastRequest; ack: Empty };
  'breakouts.visit': { request: BreakoutsVisitRequest; ack: Empty };
  'breakouts.close': { request: Empty; ack: Empty };
  'breakouts.help': { request: Empty; ack: Empty };
  'checkin.invite': { request: { participant_id: ParticipantId }; ack: Empty };
  'checkin.answer': { request: { checkin_id: string; accept: boolean }; ack: Empty };
  'checkin.end': { request: Empty; ack: Empty };
  'attendance.export': { request: Empty; ack: AttendanceExportAck };
  'reaction.send': { request: ReactionSendRequest; ack: Empty };
  'activity.report': { request: ActivityReportRequest; ack: Empty };
  'engagement.get': { request: Empty; ack: { engagement: EngagementView; mood: MoodView } };
  'mood.start': { request: MoodStartRequest; ack: Empty };
  'mood.answer': { request: MoodAnswerRequest; ack: Empty };
  'mood.end': { request: Empty; ack: Empty };
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
  /** `removed`: a facilitator took them out; `moved`: to another (breakout) room. */
  reason: 'left' | 'connection_lost' | 'removed' | 'moved';
}

export interface HandsUpdated {
  queue: ParticipantId[];
  /** The person just called on (`hand.next`), if any. */
  called: ParticipantId | null;
}
export interface SpotlightChanged {
  participant_id: ParticipantId | null;
}

export type RoomEvent =
  | { room: string; seq: number; name: 'participant.joined'; payload: ParticipantJoined }
  | { room: string; seq: number; name: 'participant.updated'; payload: ParticipantUpdated }
  | { room: string; seq: number; name: 'participant.left'; payload: ParticipantLeft }
  | { room: string; seq: number; name: 'room.media'; payload: RoomMedia }
  | { room: string; seq: number; name: 'hands.updated'; payload: HandsUpdated }
  | { room: string; seq: number; name: 'room.spotlight'; payload: SpotlightChanged }
  | { room: string; seq: number; name: 'session.updated'; payload: SessionSettings };

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

/** You are now in a room (after being admitted). */
export interface RoomEntered {
  self: PublicParticipant;
  room: RoomSnapshot;
  chat: ChatMessage[];
  session: SessionSettings;
  breakouts?: BreakoutsView | null;
  /** The open mood check-in, for a participant who has not answered it yet. */
  mood?: MoodAsked | null;
}

export interface SessionEnded {
  /** The facilitator's closing words ("" when none). */
  message: string | null;
}

export interface ChatMessageEvent {
  /** Present for messages to the room (a private one to the facilitators comes without). */
  room?: string;
  message: ChatMessage;
}
export interface ChatRemoved {
  room: string;
  id: string;
}

/** Everyone: the rooms and the timer (`breakouts.public`, and in the join ack and
 * `room.entered`). Facilitators also get who goes where and who is where. */
export interface BreakoutsView {
  room?: string;
  rooms: BreakoutRoom[];
  open: boolean;
  /** When the timer ends (server time, seconds), or null. */
  end_at: number | null;
  /** The server's time when this was sent: count down from `end_at - now`. */
  now: number;
  self_select: boolean;
  assignments?: Record<ParticipantId, RoomId>;
  people?: BreakoutPerson[];
}
export interface BreakoutPerson {
  id: ParticipantId;
  name: string;
  role: Role | string;
  /** The room they are in now. */
  room_id: RoomId;
}
/** Facilitators: the breakout plan (`breakouts.updated`). */
export type BreakoutsUpdated = BreakoutsView & {
  assignments: Record<ParticipantId, RoomId>;
  people: BreakoutPerson[];
};
export type BreakoutsPublic = BreakoutsView;
export interface BreakoutMoving {
  room_id: RoomId;
  name: string;
}
export interface BreakoutWarning {
  room?: string;
  seconds_left: number;
}
export interface BreakoutBroadcast {
  room?: string;
  text: string;
  from: ParticipantId;
  name: string;
}
export interface BreakoutHelp {
  participant_id: ParticipantId;
  name: string;
  room_id: RoomId;
}

// ---- Private check-ins (facilitation/checkins.py) ----------------------------------------------
/** Rooms of private check-ins have ids that start so. */
export const CHECKIN_PREFIX = 'checkin-';
export interface CheckInInvited {
  checkin_id: string;
  facilitator_id: ParticipantId;
  name: string;
}
export interface CheckInUpdated {
  checkin_id: string;
  state: 'invited' | 'declined' | 'active' | 'withdrawn' | 'ended';
  participant_id?: ParticipantId;
  name?: string;
}
export interface CheckInSteppedOut {
  room?: string;
  participant_id: ParticipantId;
  name: string;
}

export interface ServerEvents {
  'room.event': (event: RoomEvent) => void;
  signal: (event: SignalEvent) => void;
  'session.closed': (event: SessionClosed) => void;
  'sfu.offer': (event: SfuOffer) => void;
  'participant.speaking': (event: ParticipantSpeaking) => void;
  'room.entered': (event: RoomEntered) => void;
  'waiting.status': (event: WaitingStatus) => void;
  /** Facilitators: who waits to be admitted. */
  'waiting.updated': (event: { waiting: WaitingPerson[] }) => void;
  'admission.denied': (event: ErrorBody) => void;
  'unmute.allowed': (event: Empty) => void;
  'session.ended': (event: SessionEnded) => void;
  'chat.message': (event: ChatMessageEvent) => void;
  'chat.removed': (event: ChatRemoved) => void;
  'breakouts.updated': (event: BreakoutsUpdated) => void;
  'breakouts.public': (event: BreakoutsPublic) => void;
  'breakout.moving': (event: BreakoutMoving) => void;
  'breakout.warning': (event: BreakoutWarning) => void;
  'breakout.broadcast': (event: BreakoutBroadcast) => void;
  'breakout.help': (event: BreakoutHelp) => void;
  'checkin.invited': (event: CheckInInvited) => void;
  'checkin.updated': (event: CheckInUpdated) => void;
  'checkin.stepped_out': (event: CheckInSteppedOut) => void;
  'reaction.shown': (event: ReactionShown) => void;
  /** Facilitators only. */
  'engagement.updated': (event: EngagementView) => void;
  'mood.asked': (event: MoodAsked) => void;
  'mood.closed': (event: MoodClosed) => void;
  /** Facilitators only. */
  'mood.updated': (event: MoodView) => void;
}

// =============================================================================================
// ---- Whiteboard (issue 6; /work/coord/whiteboard-spec.md, signaling/protocol.py) ------------
// One board per room: always the caller's current room, never named by the client.
// =============================================================================================
export const BOARD_WIDTH = 1600;
export const BOARD_HEIGHT = 1000;
export const MAX_STROKE_POINTS = 2000;
export const MAX_BOARD_TEXT = 500;
export const MAX_DELETE_IDS = 200;

export type ElementKind = 'stroke' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'note';

/** The palette the server accepts for ink. */
export const BOARD_COLORS = ['#1f2933', '#c0392b', '#1e6fd9', '#2e8540', '#b7791f', '#7b3fa0'] as const;
/** The backgrounds the server accepts for sticky notes. */
export const NOTE_FILLS = ['#fff3b0', '#d6f5d6', '#d9ecff', '#ffd9e0'] as const;

/** [x, y, pressure], relative to the element's (x, y). */
export type BoardPoint = [number, number, number];

/** What a client sends in an `add`. */
export interface NewElement {
  id: string;
  kind: ElementKind;
  x: number;
  y: number;
  w: number;
  h: number;
  points: BoardPoint[];
  color: string;
  fill: string | null;
  width: number;
  text: string;
}

/** An element as the server stores and sends it. */
export interface BoardElement extends NewElement {
  author: ParticipantId;
  version: number;
  deleted: boolean;
}

export type ElementChanges = Partial<Pick<NewElement, 'x' | 'y' | 'w' | 'h' | 'points' | 'color' | 'fill' | 'width' | 'text'>>;

export type BoardOp =
  | { type: 'add'; element: NewElement }
  | { type: 'update'; id: string; changes: ElementChanges }
  | { type: 'delete'; ids: string[] }
  | { type: 'clear' };

export interface AppliedOp {
  seq: number;
  author: ParticipantId;
  client_op_id: string | null;
  kind: 'add' | 'update' | 'delete' | 'clear' | 'undo' | 'redo';
  /** The full new state of every element the op touched. */
  elements: BoardElement[];
}

export interface BoardSettings {
  /** open: everyone in the room draws; locked: facilitators and the listed drawers. */
  mode: 'open' | 'locked';
  drawers: ParticipantId[];
}

export interface BoardState {
  seq: number;
  settings: BoardSettings;
  /** The full board (when `since` was null or too old), else null and `ops` = what was missed. */
  snapshot: { seq: number; elements: BoardElement[] } | null;
  ops: AppliedOp[];
  /** board_hash() of the live elements (see whiteboard/hash.ts). */
  hash?: string;
}

export interface WhiteboardOpRequest {
  op: BoardOp;
  client_op_id: string;
  /** The room whose board it was drawn on: refused (`not_in_room`) after a move. */
  room?: string;
}
export interface WhiteboardUndoRequest {
  room?: string;
}
export interface WhiteboardSyncRequest {
  since: number | null;
}
export interface WhiteboardCursorRequest {
  x: number;
  y: number;
  room?: string;
}
export interface WhiteboardConfigureRequest {
  mode: BoardSettings['mode'];
  drawers: ParticipantId[];
}

/** Whiteboard refusals (facilitation/errors.py), besides the general ones. */

// Declaration merging: the whiteboard's requests and events join the lists above.
export interface Requests {
  'whiteboard.op': { request: WhiteboardOpRequest; ack: { seq: number } };
  'whiteboard.undo': { request: WhiteboardUndoRequest; ack: { seq: number } };
  'whiteboard.redo': { request: WhiteboardUndoRequest; ack: { seq: number } };
  'whiteboard.sync': { request: WhiteboardSyncRequest; ack: { board: BoardState } };
  'whiteboard.configure': { request: WhiteboardConfigureRequest; ack: { settings: BoardSettings } };
  /** Sent with a plain emit (no ack awaited): the server batches everyone's pointers. */
  'whiteboard.cursor': { request: WhiteboardCursorRequest; ack: Empty };
}

export interface WhiteboardApplied {
  room: string;
  op: AppliedOp;
}
export interface WhiteboardCursor {
  participant_id: ParticipantId;
  name: string;
  x: number;
  y: number;
}
/** Everyone's pointer in the room, batched (`whiteboard.cursors`); skip your own. */
export interface WhiteboardCursors {
  room: string;
  cursors: WhiteboardCursor[];
}
export interface WhiteboardSettingsEvent {
  room: string;
  settings: BoardSettings;
}

export interface ServerEvents {
  'whiteboard.applied': (event: WhiteboardApplied) => void;
  'whiteboard.cursors': (event: WhiteboardCursors) => void;
  'whiteboard.settings': (event: WhiteboardSettingsEvent) => void;
}
