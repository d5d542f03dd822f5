/**
 * Ledger bytes per user at 1,000,000 users (issue: <= 64 bytes).
 * Run: node --expose-gc --import tsx bench/ledger-memory.ts
 */
import { randomBytes } from 'node:crypto';
import { Ledger, UserFlag } from '../src/load/ledger.js';

const USERS = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const used = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const before = used();
const ledger = new Ledger(USERS);
// Fill it as a run does: every user logged in with a 128-bit id, half with a revoked one.
const ids = randomBytes(16 * 1024).toString('hex');
for (let u = 0; u < USERS; u++) {
  const at = (u % 1024) * 32;
  ledger.token.set(u, ids.slice(at, at + 32));
  if (u % 2 === 0) ledger.revokedToken.set(u, ids.slice(at, at + 32));
  ledger.counter[u] = u;
  ledger.set(u, UserFlag.LoggedIn | UserFlag.EverLoggedIn);
}
const after = used();
console.log(`ledger at ${USERS.toLocaleString('en')} users:`);
console.log(`  typed arrays:        ${(ledger.byteLength / USERS).toFixed(1)} bytes/user`);
console.log(
  `  measured (heap+ab):  ${((after - before) / USERS).toFixed(1)} bytes/user (target <= 64)`,
);
console.log(`  logged in: ${ledger.loggedInCount()}`);
