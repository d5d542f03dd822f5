import type { Action } from '../load/workload.js';

/** One request of the load as the audit saw it leave. */
export interface SentRequest {
  user: number;
  action: Action;
  /** Order of sends and answers across all users; sends and answers share it. */
  sentSeq: number;
  /** The counter the user had acknowledged when this left: older in its answer is a loss. */
  ackedAtSend: number;
  /** The user's loss count at send: a loss found since resets the counter it was sent with. */
  lossesAtSend: number;
  /** A logout of the same user was in flight at some time while this one was. */
  overlapsLogout: boolean;
}

/** A user with requests in flight: what they overlap. */
interface UserFlight {
  requests: Set<SentRequest>;
  logoutsInFlight: number;
  /** Losses found for this user while this flight lasted. */
  losses: number;
  /** Updates answered 200 while the flight lasted: their counter and when they were answered. */
  acked: { counter: number; answeredSeq: number }[];
}

/**
 * Which requests of one user overlapped which (--parallel), so the audit can tell a
 * loss from a race: only users with requests in flight are held, so memory follows
 * the requests in flight, not the users.
 */
export class Overlaps {
  private seq = 0;
  private readonly flights = new Map<number, UserFlight>();
  private readonly tickets = new Map<number, SentRequest>();

  /** A request leaves now, after every answer seen so far; returns its ticket. */
  sent(user: number, action: Action, ackedCounter: number): number {
    let flight = this.flights.get(user);
    if (!flight) {
      flight = { requests: new Set(), logoutsInFlight: 0, losses: 0, acked: [] };
      this.flights.set(user, flight);
    }
    const request: SentRequest = {
      user,
      action,
      sentSeq: ++this.seq,
      ackedAtSend: ackedCounter,
      lossesAtSend: flight.losses,
      overlapsLogout: flight.logoutsInFlight > 0,
    };
    if (action === 'logout') {
      for (const other of flight.requests) other.overlapsLogout = true;
      flight.logoutsInFlight++;
    }
    flight.requests.add(request);
    this.tickets.set(request.sentSeq, request);
    return request.sentSeq;
  }

  /** The request of `ticket` got its answer (or failed): it is no longer in flight. */
  answered(ticket: number): SentRequest | undefined {
    const request = this.tickets.get(ticket);
    if (!request) return undefined;
    this.tickets.delete(ticket);
    const flight = this.flights.get(request.user)!;
    flight.requests.delete(request);
    if (request.action === 'logout') flight.logoutsInFlight--;
    return request;
  }

  /** A loss was found for this user: counters sent before it were reset, not lost again. */
  lossFound(user: number): void {
    const flight = this.flights.get(user);
    if (flight) flight.losses++;
  }

  /** Whether a loss was found for the request's user since it left. */
  lossSince(request: SentRequest): boolean {
    return (this.flights.get(request.user)?.losses ?? 0) !== request.lossesAtSend;
  }

  /**
   * An update of `request` was acknowledged with `counter`: whether an update that
   * overlapped it was already acknowledged with the same counter (then this
   * increment is lost: k updates sharing one counter lost k-1).
   */
  updateAcked(request: SentRequest, counter: number): boolean {
    const flight = this.flights.get(request.user)!;
    const shared = flight.acked.some(
      (other) => other.answeredSeq > request.sentSeq && other.counter === counter,
    );
    flight.acked.push({ counter, answeredSeq: ++this.seq });
    return shared;
  }

  /** Done judging `request`: a user with nothing in flight is forgotten. */
  release(request: SentRequest): void {
    const flight = this.flights.get(request.user);
    if (!flight) return;
    if (flight.requests.size === 0) {
      this.flights.delete(request.user);
      return;
    }
    // Acknowledgements older than every request still in flight overlap none of them.
    const oldest = Math.min(...[...flight.requests].map((r) => r.sentSeq));
    flight.acked = flight.acked.filter((a) => a.answeredSeq > oldest);
  }
}
