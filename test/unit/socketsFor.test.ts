import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { socketsFor } from '../../src/load/loadDriver.js';

/** How many connections a load opens up front, and how long a request waits before opening one more. */
describe('socketsFor', () => {
  const load = async (flags: Record<string, string>) =>
    (await loadPlan({ scenario: 'smoke', backends: 'memory', ...flags })).load;

  it('fixed mode: 4 ms of arrivals up front (4 to 128), a wait that grows with the rate', async () => {
    // Low rates: a few connections, and a wait shorter than the pool's tick (it opens at once).
    expect(socketsFor(await load({ rate: '200' }))).toEqual({
      max: 1024,
      warm: 4,
      growAfterMs: 200 / 300,
    });
    expect(socketsFor(await load({ rate: '20000' }))).toEqual({
      max: 1024,
      warm: 80,
      growAfterMs: 20000 / 300,
    });
    expect(socketsFor(await load({ rate: '31400' }))).toEqual({
      max: 1024,
      warm: 126,
      growAfterMs: 100,
    });
    expect(socketsFor(await load({ rate: '50000' })).warm).toBe(128);
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
