import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { socketsFor } from '../../src/load/loadDriver.js';

/** How many connections a load opens up front, and how long a request waits before opening one more. */
describe('socketsFor', () => {
  const load = async (flags: Record<string, string>) =>
    (await loadPlan({ scenario: 'smoke', backends: 'memory', ...flags })).load;

  it('fixed mode: a second of arrivals up front (at most 128), a wait that grows with the rate', async () => {
    expect(socketsFor(await load({ rate: '50' }))).toEqual({
      max: 1024,
      warm: 50,
      growAfterMs: 50 / 300,
    });
    expect(socketsFor(await load({ rate: '200' }))).toMatchObject({ warm: 128 });
    expect(socketsFor(await load({ rate: '200' })).growAfterMs).toBeLessThan(1);
    expect(socketsFor(await load({ rate: '31400' }))).toEqual({
      max: 1024,
      warm: 128,
      growAfterMs: 100,
    });
    // Rate steps: the busiest one decides.
    expect(socketsFor(await load({ rate: '100,3000' })).growAfterMs).toBe(10);
  });

  it('saturation: exactly one connection per loop', async () => {
    expect(socketsFor(await load({ mode: 'saturation' }))).toEqual({
      max: 64,
      warm: 64,
      growAfterMs: 0,
    });
  });
});
