// Plain words shown to people. Short sentences, no jargon, always a next step.

import type { ErrorCode } from './protocol';

const ASK_CLINIC = 'Please ask your clinic for a new link.';

/** What to say when the server refuses the join link (connect_error codes). */
export const LINK_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  token_missing: `This join link is incomplete. Please open the whole link from your invitation, or ask your clinic for a new link.`,
  token_invalid: `This join link does not work. ${ASK_CLINIC}`,
  token_expired: `This join link has expired. ${ASK_CLINIC}`,
  token_not_yet_valid: `This join link cannot be used yet. Please try again closer to the start of your session.`,
  token_claims_invalid: `This join link is missing some details. ${ASK_CLINIC}`,
  token_wrong_session: `This join link is for a different session. Please check that you opened the right link, or ask your clinic for a new one.`,
};

export function linkProblem(code: string | undefined): string {
  return (code && LINK_PROBLEMS[code as ErrorCode]) || `This join link does not work. ${ASK_CLINIC}`;
}

/** Why the session ended for this window (`session.closed` codes). */
export function closedReason(code: string | undefined, message?: string): string {
  switch (code) {
    case 'replaced':
      return 'You joined from another window or device, so this window has left the session.';
    case 'session_ended':
      return 'This session has ended. Thank you for joining.';
    case 'removed':
      return 'The facilitator has removed you from this session.';
    case 'denied':
      return 'The facilitator did not let you into this session.';
    default:
      return message ? `The session was closed: ${message}` : 'The session was closed.';
  }
}

export const NOT_A_LINK =
  'To join a session, please open the link your clinic sent you.';

export const INSECURE_CONTEXT =
  'Your browser blocks the camera and microphone on pages that are not secure. ' +
  'Please open the join link with an address that starts with https://. ' +
  'You can still join to listen and watch.';

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = Array.from(words[0])[0] ?? '';
  const last = words.length > 1 ? (Array.from(words[words.length - 1])[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** A facilitator stopped your microphone or camera at the server (`audio_blocked`). */
export const BLOCKED_AUDIO =
  'The facilitator has muted your microphone for now. You can still hear the group.';
export const BLOCKED_VIDEO =
  'The facilitator has turned off your camera for now. You can still see the group.';

/** The server stopped sending video to keep the sound clear (SFU rooms). */
export const VIDEO_PAUSED = 'Video is paused to keep the sound clear on your connection.';

/** While waiting to be let in. */
export const WAITING = 'Please wait: the facilitator will let you in shortly.';
export const RULES_INTRO = 'Before you come in, please read the group’s ground rules.';

/** Ask-to-unmute mode, for a participant whose microphone is off. */
export const ASK_TO_UNMUTE_BLOCKED = 'To speak, choose “Ask to unmute”. The facilitator will let you know.';
export const ASK_TO_UNMUTE_ON = '“Ask to unmute” is on: when your microphone is off, ask before you speak.';
export const ASKED_TO_UNMUTE = 'You asked to unmute. The facilitator will let you know.';
export const MAY_UNMUTE = 'The facilitator has let you unmute. Unmute your microphone when you are ready.';
export const CALLED_ON = 'The facilitator has called on you. Go ahead when you are ready.';
