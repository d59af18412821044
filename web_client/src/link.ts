// Reading the join link: `/s/<session>#token=<jwt>`.
//
// The token rides in the URL fragment so it never reaches a server log. It is read once,
// removed from the address bar, and kept in memory (and in this tab's sessionStorage, so
// that reloading the page does not lock the person out). It is never logged.

import { ID_PATTERN, type Role } from './protocol';

export interface JoinLink {
  session: string;
  token: string;
  /** From the token's payload, decoded for display only: the server checks the token. */
  name: string;
  role: Role | string;
}

const STORAGE_PREFIX = 'facilitation.token.';

export function sessionFromPath(pathname: string): string | null {
  const match = /^\/s\/([^/]+)\/?$/.exec(pathname);
  if (!match) return null;
  let session: string;
  try {
    session = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return ID_PATTERN.test(session) ? session : null;
}

function tokenFromFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token && token.length <= 4096 ? token : null;
}

/** The payload of a JWT, decoded without checking it (display only). */
export function decodeClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Read the link from the address bar, then take the token out of it.
 * Returns null for the session when the path is not a join link.
 */
export function readJoinLink(): { session: string | null; link: JoinLink | null } {
  const session = sessionFromPath(location.pathname);
  if (!session) return { session: null, link: null };
  let token = tokenFromFragment(location.hash);
  if (location.hash) {
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  const store = storage();
  if (!token) token = store?.getItem(STORAGE_PREFIX + session) ?? null;
  if (!token) return { session, link: null };
  const claims = decodeClaims(token) ?? {};
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : '';
  const role = typeof claims.role === 'string' ? claims.role : 'participant';
  return { session, link: { session, token, name, role } };
}

/** Keep the token for this tab, so that a reload can rejoin. */
export function rememberToken(link: JoinLink): void {
  try {
    storage()?.setItem(STORAGE_PREFIX + link.session, link.token);
  } catch {
    // Storage full or disabled: a reload will need the link again.
  }
}

/** Forget the stored token (after leaving, or when the server refused it). */
export function forgetToken(session: string): void {
  try {
    storage()?.removeItem(STORAGE_PREFIX + session);
  } catch {
    // Nothing stored.
  }
}
