import { randomBytes } from 'node:crypto';

/*
 * What every app flavour shares of the HTTP contract src/app/sessionApp.ts documents:
 * the payload a session carries, how /login reads its user id, the answers' JSON.
 */

/** One payload per process: its size is what matters, and random bytes do not compress. */
export function sessionPayload(payloadBytes: number): string {
  return randomBytes(Math.ceil(payloadBytes * 0.75))
    .toString('base64')
    .slice(0, payloadBytes);
}

/** The user id of `POST /login?u=<id>`, or undefined when it is not a non-negative integer. */
export function loginUserId(url: string | undefined): number | undefined {
  const param = new URL(url ?? '/', 'http://app').searchParams.get('u');
  // Number(null) and Number('') are 0: a missing id must not log in user 0.
  const userId = param ? Number(param) : NaN;
  return Number.isSafeInteger(userId) && userId >= 0 ? userId : undefined;
}

/** The answers of the contract, as status and body. */
export const ANSWERS = {
  badUser: { status: 400, body: { error: 'bad user id' } },
  notLoggedIn: { status: 401, body: { error: 'not logged in' } },
  noSuchEndpoint: { status: 404, body: { error: 'no such endpoint' } },
  storeTimeout: { status: 503, body: { error: 'store timeout' } },
} as const;

/** 503 with the store's error: the store failed, which is never "not logged in". */
export function storeErrorAnswer(error: unknown): { status: number; body: object } {
  return { status: 503, body: { error: `store error: ${String(error)}` } };
}
