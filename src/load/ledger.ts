import { SESSION_ID_BYTES, isSessionId } from '../backends/sessionToken.js';

/**
 * What the load generator knows each virtual user should have, in typed arrays
 * (43 bytes per user; `bench/ledger-memory.ts` measures it at 1M users).
 *
 * Session tokens that are 128-bit hex ids (every server-side store) live in the
 * arrays; other tokens (the signed cookie, which *is* the session) in a Map, since
 * the client must hold the whole cookie anyway.
 */
export enum UserFlag {
  LoggedIn = 1,
  /** A page view of this user is in flight (one request, or N under --parallel): one at a time per user, like a browser tab. */
  Busy = 2,
  /** Already counted in loggedOutUsers: each user is counted once. */
  CountedLoggedOut = 4,
  /** Holds the token of a session it logged out, to replay it. */
  HasRevoked = 8,
  /** That revoked session was already counted as resurrected. */
  CountedResurrected = 16,
  /** A logout failed in flight: the session may be gone now or later; settled by a 401, a login or an acknowledged logout. */
  LogoutUncertain = 32,
  /** Logged in at least once (warm-up succeeded for it). */
  EverLoggedIn = 64,
}

const ID_BYTES = SESSION_ID_BYTES;

class TokenSlots {
  private readonly ids: Uint8Array;
  private readonly others = new Map<number, string>();

  constructor(users: number) {
    this.ids = new Uint8Array(users * ID_BYTES);
  }

  set(user: number, token: string): void {
    if (isSessionId(token)) {
      this.ids.set(Buffer.from(token, 'hex'), user * ID_BYTES);
      this.others.delete(user);
    } else {
      this.others.set(user, token);
    }
  }

  get(user: number): string {
    const other = this.others.get(user);
    if (other !== undefined) return other;
    const start = user * ID_BYTES;
    return Buffer.from(this.ids.buffer, this.ids.byteOffset + start, ID_BYTES).toString('hex');
  }

  get byteLength(): number {
    return this.ids.byteLength;
  }
}

export class Ledger {
  readonly flags: Uint8Array;
  /** Last acknowledged counter value per user. */
  readonly counter: Uint32Array;
  /** When the user last got a good answer with its session, ms after the load started. */
  readonly lastGoodMs: Float32Array;
  /** The last fault (1-based) this user's logout was blamed on; 0: none. */
  readonly blamedFault: Uint16Array;
  readonly token: TokenSlots;
  /** Token of the last session the workload logged out, replayed to test revocation. */
  readonly revokedToken: TokenSlots;

  constructor(readonly users: number) {
    this.flags = new Uint8Array(users);
    this.counter = new Uint32Array(users);
    this.lastGoodMs = new Float32Array(users);
    this.blamedFault = new Uint16Array(users);
    this.token = new TokenSlots(users);
    this.revokedToken = new TokenSlots(users);
  }

  has(user: number, flag: UserFlag): boolean {
    return (this.flags[user]! & flag) !== 0;
  }

  set(user: number, flag: UserFlag): void {
    this.flags[user]! |= flag;
  }

  clear(user: number, flag: UserFlag): void {
    this.flags[user]! &= ~flag;
  }

  /**
   * Users the ledger is sure are logged in: a logout with no answer makes it unsure,
   * and so does an earlier fault the user has not been seen alive since (`sinceMs`).
   */
  loggedInCount(sinceMs = -Infinity): number {
    let count = 0;
    for (let u = 0; u < this.users; u++) {
      const flags = this.flags[u]! & (UserFlag.LoggedIn | UserFlag.LogoutUncertain);
      if (flags === UserFlag.LoggedIn && this.lastGoodMs[u]! >= sinceMs) count++;
    }
    return count;
  }

  /** Bytes held by the typed arrays (excluding non-id tokens kept in Maps). */
  get byteLength(): number {
    return (
      this.flags.byteLength +
      this.counter.byteLength +
      this.lastGoodMs.byteLength +
      this.blamedFault.byteLength +
      this.token.byteLength +
      this.revokedToken.byteLength
    );
  }
}
