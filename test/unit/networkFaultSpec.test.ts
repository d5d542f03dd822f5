import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlanVariants } from '../../src/backends/checkPlan.js';
import { faultSpecOf } from '../../src/config/faultSchedule.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';
import { proxyProcessOf, wantsProxy } from '../../src/runner/placeProxy.js';

const planWith = (fault: string, backends = 'redis') =>
  loadPlan({ scenario: 'smoke', backends, duration: '30s', faults: [fault] });

describe('network fault grammar', () => {
  it('reads latency with and without jitter, bandwidth in KB, and writes them back', async () => {
    const [latency] = (await planWith('latency:store@10s:10s:200ms')).faults;
    expect(latency).toMatchObject({
      action: 'latency',
      atMs: 10_000,
      durationMs: 10_000,
      latencyMs: 200,
    });
    const [jitter] = (await planWith('latency:node0@5s:20s:50ms~30ms')).faults;
    expect(jitter).toMatchObject({ latencyMs: 50, jitterMs: 30 });
    const [rate] = (await planWith('bandwidth:store@10s:10s:64KB')).faults;
    expect(rate).toMatchObject({ action: 'bandwidth', rateBytesPerS: 65_536 });
    expect(faultSpecOf(jitter!)).toBe('latency:node0@5s:20s:50ms~30ms');
    expect(faultSpecOf(rate!)).toBe('bandwidth:store@10s:10s:64KB');
    const [up] = (await planWith('latency:store@10s:10s:200ms:upstream')).faults;
    expect(up).toMatchObject({ latencyMs: 200, stream: 'upstream' });
    expect(faultSpecOf(up!)).toBe('latency:store@10s:10s:200ms:upstream');
    await expect(planWith('latency:store@10s:10s:200ms:sideways')).rejects.toThrow(
      /stream "sideways" is not known; allowed: downstream, upstream, both/,
    );
    const [reset] = (await planWith('reset:store@10s')).faults;
    expect(reset).toMatchObject({ action: 'reset', atMs: 10_000 });
    expect(reset!.durationMs).toBeUndefined();
  });

  it('refuses network faults that overlap on a link they may share', async () => {
    const overlapping = loadPlan({
      scenario: 'smoke',
      backends: 'redis',
      duration: '30s',
      faults: ['down:store@10s:3s', 'latency:node0@12s:5s:200ms'],
    });
    await expect(overlapping).rejects.toThrow(/overlap on one link/);
    // Apart in time, or on two distinct nodes: fine.
    await expect(
      loadPlan({
        scenario: 'smoke',
        backends: 'redis',
        duration: '30s',
        faults: ['down:store@10s:3s', 'latency:node0@14s:5s:200ms'],
      }),
    ).resolves.toBeDefined();
    await expect(
      loadPlan({
        scenario: 'smoke',
        backends: 'memcached',
        nodes: '2',
        duration: '30s',
        faults: ['partition:node0@10s:5s', 'partition:node1@12s:5s'],
      }),
    ).resolves.toBeDefined();
  });

  it('names the allowed forms of a bad parameter', async () => {
    await expect(planWith('latency:store@10s:10s:fast')).rejects.toThrow(
      /parameter "fast" is not valid for latency; allowed: 200ms, or 50ms~30ms/,
    );
    await expect(planWith('bandwidth:store@10s:10s:64kbit')).rejects.toThrow(
      /allowed: bytes per second as 512B, 64KB or 2MB/,
    );
    await expect(planWith('partition:store@10s:5s:200ms')).rejects.toThrow(UsageError);
  });

  it('refuses a network fault without its duration or parameter, or on the app', async () => {
    await expect(planWith('latency:store@10s:10s')).rejects.toThrow(/latency needs latencyMs/);
    await expect(planWith('partition:store@10s')).rejects.toThrow(/partition needs a duration/);
    await expect(planWith('reset:store@10s:2s')).rejects.toThrow(/reset is instant/);
    await expect(planWith('down:app@10s:3s')).rejects.toThrow(/not app/);
  });

  it('refuses a network fault on a listed embedded backend before the run (exit 2)', async () => {
    const plan = await planWith('partition:store@10s:5s', 'memory,redis');
    expect(() => checkPlanVariants(plan)).toThrow(UsageError);
    expect(() => checkPlanVariants(plan)).toThrow(
      /memory keeps sessions in the app, with no store link/,
    );
  });
});

describe('network faults in a scenario file, and where the proxy goes', () => {
  it('takes latencyMs and jitterMs as fields, and places the proxy for them or for topology.proxy', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-netfault-'));
    try {
      const file = path.join(dir, 'net.yaml');
      await writeFile(
        file,
        [
          'name: net',
          'load: { duration: 20s, users: 10 }',
          'faults:',
          '  - { at: 5s, action: latency, target: node0, duration: 10s, latencyMs: 200, jitterMs: 30 }',
        ].join('\n'),
      );
      const plan = await loadPlan({ scenario: file, backends: 'redis' });
      expect(plan.faults[0]).toMatchObject({ action: 'latency', latencyMs: 200, jitterMs: 30 });
      expect(wantsProxy(plan)).toBe(true);
      await writeFile(
        file,
        'name: plain\nload: { duration: 20s, users: 10 }\ntopology: { proxy: true }\n',
      );
      const proxied = await loadPlan({ scenario: file, backends: 'redis' });
      expect(proxied.topology.proxy).toBe(true);
      expect(wantsProxy(proxied)).toBe(true);
      expect(wantsProxy(await planWith('kill:store@10s'))).toBe(false);
      // Where it runs: in our app by default, in its own process for the user's app.
      expect(proxyProcessOf(proxied)).toBe('app');
      const external = await loadPlan({
        scenario: file,
        backends: 'redis',
        appUrl: 'http://127.0.0.1:3000',
      });
      expect(proxyProcessOf(external)).toBe('separate');
      await writeFile(
        file,
        'name: own\nload: { duration: 20s, users: 10 }\ntopology: { proxyProcess: app }\n',
      );
      await expect(
        loadPlan({ scenario: file, backends: 'redis', appUrl: 'http://127.0.0.1:3000' }),
      ).rejects.toThrow(/proxyProcess app with app.url \(--app-url\)/);
      await writeFile(
        file,
        'name: odd\nload: { duration: 20s, users: 10 }\ntopology: { proxyProcess: elsewhere }\n',
      );
      await expect(loadPlan({ scenario: file, backends: 'redis' })).rejects.toThrow(/proxyProcess/);
      await writeFile(
        file,
        'name: bad\nfaults: [{ at: 5s, action: pause, target: node0, duration: 1s, latencyMs: 5 }]\n',
      );
      await expect(loadPlan({ scenario: file, backends: 'redis' })).rejects.toThrow(
        /only a latency fault takes latencyMs/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
