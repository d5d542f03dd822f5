import { expect } from 'vitest';
import type { VariantResult } from '../../src/result/result.js';

/** A short clean run: enough requests to cover login, page, update and logout. */
export const SERVE_LOAD = { users: '150', rate: '120', duration: '3s', faults: [] as string[] };

/**
 * Served the contract correctly: every request answered, nobody logged out, no
 * update lost, nobody else's session, every user verified by the final sweep.
 */
export function expectServedCleanly(result: VariantResult): void {
  const what = (field: string) => `${result.variant} (${result.app?.flavour}): ${field}`;
  expect(result.status, what('status')).toBe('completed');
  expect(result.requests.total, what('requests')).toBeGreaterThan(250);
  expect(result.requests.errors, what('errors')).toBe(0);
  expect(result.requests.timeouts, what('timeouts')).toBe(0);
  expect(result.audit.loggedOutUsers, what('loggedOutUsers')).toBe(0);
  expect(result.audit.loginWallHits, what('loginWallHits')).toBe(0);
  expect(result.audit.lostUpdates, what('lostUpdates')).toBe(0);
  expect(result.audit.wrongUserSessions, what('wrongUserSessions')).toBe(0);
  expect(result.audit.unverifiedUsers, what('unverifiedUsers')).toBe(0);
  // The ledger saw logouts and updates go through, not only reads.
  expect(result.users.loggedInAtEnd, what('loggedInAtEnd')).toBeGreaterThan(100);
  expect(result.users.loggedInAtEnd, what('loggedInAtEnd')).toBeLessThan(150);
}

/** The package names the variant's app ran (versions are checked in the unit test). */
export function packageNames(result: VariantResult): string[] {
  return (result.app?.packages ?? []).map((p) => p.name);
}
