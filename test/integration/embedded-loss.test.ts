import { describe, expect, it } from 'vitest';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('embedded backends under a SIGKILL of the app', () => {
  it('memory logs out exactly the users logged in at the kill; disk, disk:fsync and cookie lose nobody', async () => {
    const run = await runSmoke({
      backends: 'memory,disk,disk:fsync,cookie',
      users: '300',
      faults: ['kill:app@2s'],
    });

    const memory = resultFor(run, 'memory');
    const kill = memory.faults[0]!;
    expect(kill.status).toBe('done');
    expect(kill.unsettledAtFault).toBe(0);
    expect(kill.loggedInUsersAtFault).toBeGreaterThan(250);
    expect(memory.audit.loggedOutUsers).toBe(kill.loggedInUsersAtFault);
    expect(memory.audit.loginWallHits).toBeGreaterThan(0);
    expect(kill.unavailableMs).toBeGreaterThan(0);

    for (const variant of ['disk', 'disk:fsync', 'cookie']) {
      const result = resultFor(run, variant);
      expect(result.faults[0]!.status, variant).toBe('done');
      expect(result.audit.loggedOutUsers, variant).toBe(0);
      expect(result.audit.loginWallHits, variant).toBe(0);
      expect(result.audit.lostUpdates, variant).toBe(0);
      expect(result.audit.unverifiedUsers, variant).toBe(0);
    }
    for (const result of run.results) {
      expect(result.audit.wrongUserSessions, result.variant).toBe(0);
      expect(result.requests.total, result.variant).toBeGreaterThan(400);
    }
  });

  it('cookie sessions come back after logout (resurrected); disk and memory refuse them', async () => {
    const run = await runSmoke({ backends: 'memory,disk,cookie', users: '100' });
    expect(resultFor(run, 'cookie').audit.resurrectedSessions).toBeGreaterThan(0);
    expect(resultFor(run, 'disk').audit.resurrectedSessions).toBe(0);
    expect(resultFor(run, 'memory').audit.resurrectedSessions).toBe(0);
    for (const result of run.results) {
      expect(result.audit.loggedOutUsers, result.variant).toBe(0);
      expect(result.audit.wrongUserSessions, result.variant).toBe(0);
    }
  });
});
