// The Socket.IO connection to the server: WebSocket only, msgpack, the join token as auth.

import { io, type Socket } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';
import type {
  Ack,
  BreakoutBroadcast,
  BreakoutHelp,
  BreakoutMoving,
  BreakoutsView,
  BreakoutWarning,
  ChatMessageEvent,
  ChatRemoved,
  CheckInInvited,
  CheckInSteppedOut,
  CheckInUpdated,
  ConnectErrorData,
  ErrorBody,
  ParticipantSpeaking,
  RequestName,
  Requests,
  RoomEntered,
  RoomEvent,
  SessionClosed,
  SessionEnded,
  SfuOffer,
  SignalEvent,
  WaitingPerson,
  WaitingStatus,
} from './protocol';
import { TOKEN_ERROR_CODES } from './protocol';
import type { JoinLink } from './link';

export interface ConnectionHandlers {
  connected(): void;
  disconnected(reason: string): void;
  /** The server refused the join link: no retry will help. */
  refused(error: ConnectErrorData): void;
  /** The server could not be reached; the connection keeps trying. */
  unreachable(): void;
  roomEvent(event: RoomEvent): void;
  signal(event: SignalEvent): void;
  closed(event: SessionClosed): void;
  /** A new offer of the SFU for our receiving connection. */
  sfuOffer(event: SfuOffer): void;
  /** Who is speaking, as the SFU hears it. */
  speaking(event: ParticipantSpeaking): void;
  /** Let in from the waiting room. */
  roomEntered(event: RoomEntered): void;
  waitingStatus(event: WaitingStatus): void;
  denied(event: ErrorBody): void;
  /** Facilitators: who waits to be admitted. */
  waitingUpdated(waiting: WaitingPerson[]): void;
  /** A facilitator lets us unmute (ask-to-unmute mode). */
  unmuteAllowed(): void;
  sessionEnded(event: SessionEnded): void;
  chatMessage(event: ChatMessageEvent): void;
  chatRemoved(event: ChatRemoved): void;
  /** The breakout rooms changed (`breakouts.public`; facilitators `breakouts.updated`). */
  breakouts(event: BreakoutsView): void;
  breakoutMoving(event: BreakoutMoving): void;
  breakoutWarning(event: BreakoutWarning): void;
  breakoutBroadcast(event: BreakoutBroadcast): void;
  /** Facilitators: someone asks for a facilitator. */
  breakoutHelp(event: BreakoutHelp): void;
  checkInInvited(event: CheckInInvited): void;
  checkInUpdated(event: CheckInUpdated): void;
  checkInSteppedOut(event: CheckInSteppedOut): void;
}

const NOT_CONNECTED: ConnectErrorData = {
  code: 'not_connected',
  message: 'Not connected to the server right now.',
};

export class Connection {
  readonly socket: Socket;

  constructor(link: JoinLink, handlers: ConnectionHandlers) {
    this.socket = io(location.origin, {
      transports: ['websocket'],
      // The package's types describe the same Encoder/Decoder pair socket.io expects.
      parser: msgpackParser as unknown as NonNullable<Parameters<typeof io>[1]>['parser'],
      // Kept in memory for every reconnect; never logged.
      auth: { token: link.token, session: link.session },
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      randomizationFactor: 0.3,
      timeout: 10000,
    });
    const s = this.socket;
    s.on('connect', () => handlers.connected());
    s.on('disconnect', (reason) => handlers.disconnected(reason));
    s.on('connect_error', (err: Error & { data?: unknown }) => {
      const data = err.data as Partial<ConnectErrorData> | undefined;
      if (data && typeof data.code === 'string' && TOKEN_ERROR_CODES.includes(data.code as never)) {
        handlers.refused({ code: data.code, message: String(data.message ?? '') });
      } else if (!s.active) {
        // Refused for another reason: the client will not retry by itself.
        handlers.refused({ code: String(data?.code ?? 'token_invalid'), message: String(data?.message ?? '') });
      } else {
        handlers.unreachable();
      }
    });
    s.on('room.event', (event: RoomEvent) => handlers.roomEvent(event));
    s.on('signal', (event: SignalEvent) => handlers.signal(event));
    s.on('session.closed', (event: SessionClosed) => handlers.closed(event));
    s.on('sfu.offer', (event: SfuOffer) => handlers.sfuOffer(event));
    s.on('participant.speaking', (event: ParticipantSpeaking) => handlers.speaking(event));
    s.on('room.entered', (event: RoomEntered) => handlers.roomEntered(event));
    s.on('waiting.status', (event: WaitingStatus) => handlers.waitingStatus(event));
    s.on('admission.denied', (event: ErrorBody) => handlers.denied(event));
    s.on('waiting.updated', (event: { waiting: WaitingPerson[] }) => handlers.waitingUpdated(event.waiting ?? []));
    s.on('unmute.allowed', () => handlers.unmuteAllowed());
    s.on('session.ended', (event: SessionEnded) => handlers.sessionEnded(event));
    s.on('chat.message', (event: ChatMessageEvent) => handlers.chatMessage(event));
    s.on('chat.removed', (event: ChatRemoved) => handlers.chatRemoved(event));
    s.on('breakouts.public', (event: BreakoutsView) => handlers.breakouts(event));
    s.on('breakouts.updated', (event: BreakoutsView) => handlers.breakouts(event));
    s.on('breakout.moving', (event: BreakoutMoving) => handlers.breakoutMoving(event));
    s.on('breakout.warning', (event: BreakoutWarning) => handlers.breakoutWarning(event));
    s.on('breakout.broadcast', (event: BreakoutBroadcast) => handlers.breakoutBroadcast(event));
    s.on('breakout.help', (event: BreakoutHelp) => handlers.breakoutHelp(event));
    s.on('checkin.invited', (event: CheckInInvited) => handlers.checkInInvited(event));
    s.on('checkin.updated', (event: CheckInUpdated) => handlers.checkInUpdated(event));
    s.on('checkin.stepped_out', (event: CheckInSteppedOut) => handlers.checkInSteppedOut(event));
    // When the device's network comes back, try at once instead of waiting out the backoff.
    window.addEventListener('online', this.retryNow);
  }

  private readonly retryNow = (): void => {
    const s = this.socket;
    if (s.connected || !s.active) return; // connected, or stopped on purpose
    s.disconnect();
    s.connect();
  };

  connect(): void {
    this.socket.connect();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Changes with every (re)connection; undefined while disconnected. */
  get id(): string | undefined {
    return this.socket.connected ? this.socket.id : undefined;
  }

  /**
   * Send a request and wait for its acknowledgement. Never queued while disconnected:
   * what matters is re-sent by the join that follows a reconnect.
   */
  request<N extends RequestName>(
    name: N,
    payload: Requests[N]['request'],
    timeoutMs = 10000,
  ): Promise<Ack<Requests[N]['ack']>> {
    if (!this.socket.connected) {
      return Promise.resolve({ ok: false, error: NOT_CONNECTED });
    }
    return new Promise((resolve) => {
      this.socket.timeout(timeoutMs).emit(name, payload, (err: Error | null, ack: unknown) => {
        if (err || !ack || typeof ack !== 'object') {
          resolve({ ok: false, error: { code: 'timeout', message: 'The server did not answer.' } });
        } else {
          resolve(ack as Ack<Requests[N]['ack']>);
        }
      });
    });
  }

  close(): void {
    window.removeEventListener('online', this.retryNow);
    this.socket.disconnect();
  }
}
