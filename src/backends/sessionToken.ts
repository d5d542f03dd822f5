import { randomBytes } from 'node:crypto';

/*
 * How a session travels between the app and its users: the id format and the cookie
 * that carries the token. The app writes them, the load generator and the stores read
 * them; this is their one home.
 */

/** Session ids are 128 random bits. */
export const SESSION_ID_BYTES = 16;

/** A session id as text: 32 lowercase hex chars. Anything else never reaches a store's keys or files. */
export const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

export function isSessionId(token: string): boolean {
  return SESSION_ID_PATTERN.test(token);
}

export function newSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('hex');
}

/** The cookie that carries the session token (the id, or the whole signed cookie session). */
export const SESSION_COOKIE = 'sid';
