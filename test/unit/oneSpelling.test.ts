import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSessionId, newSessionId, SESSION_COOKIE } from '../../src/backends/sessionToken.js';
import { Ledger } from '../../src/load/ledger.js';
import { emptyVariantResult } from '../../src/result/emptyResult.js';
import { variantResultSchema } from '../../src/result/resultSchema.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The files of src/ (relative) whose text matches, so a second spelling names itself. */
function filesSpelling(pattern: RegExp): string[] {
  return sourceFiles()
    .filter((file) => pattern.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(SRC, file));
}

describe('one spelling per fact in src/', () => {
  it('the session-id format is written once, in backends/sessionToken.ts', () => {
    expect(filesSpelling(/\[0-9a-f\]\{32\}/)).toEqual(['backends/sessionToken.ts']);
    expect(filesSpelling(/randomBytes\(16\)/)).toEqual([]);
  });

  it('the cookie name is written once, in backends/sessionToken.ts', () => {
    expect(filesSpelling(/'sid'|["`']sid=/)).toEqual(['backends/sessionToken.ts']);
  });

  it('the empty variant result is written once, in result/emptyResult.ts', () => {
    expect(filesSpelling(/phasesMs: \{ start: 0/)).toEqual(['result/emptyResult.ts']);
    expect(filesSpelling(/wrongUserSessions: 0/)).toEqual(['result/emptyResult.ts']);
  });
});

describe('the shared spellings', () => {
  it('a new session id has the format the stores and the ledger accept', () => {
    const id = newSessionId();
    expect(isSessionId(id)).toBe(true);
    expect(isSessionId(id.toUpperCase())).toBe(false);
    expect(isSessionId(`../${id.slice(3)}`)).toBe(false);
    // The ledger keeps such ids in its typed arrays and gives them back unchanged.
    const ledger = new Ledger(2);
    ledger.token.set(1, id);
    expect(ledger.token.get(1)).toBe(id);
    expect(SESSION_COOKIE).toMatch(/^[a-z]+$/);
  });

  it('an empty variant result is a valid result with nothing measured', () => {
    const skipped = emptyVariantResult({
      variant: 'redis',
      backend: 'redis',
      provider: 'none',
      server: null,
      status: 'skipped',
      reason: 'no redis-server here',
      mode: 'fixed',
      usersTotal: 300,
    });
    expect(variantResultSchema.parse(skipped)).toEqual(skipped);
    expect(skipped.users).toEqual({ total: 300, loggedInAtEnd: 0 });
    expect(skipped.requests.total).toBe(0);
    // Two results share nothing: filling one in does not change the next.
    skipped.audit.loggedOutUsers = 5;
    expect(emptyVariantResult({ ...skipped }).audit.loggedOutUsers).toBe(0);
  });
});
