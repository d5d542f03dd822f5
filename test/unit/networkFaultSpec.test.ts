import { describe, expect, it } from 'vitest';
import { checkPlanVariants } from '../../src/backends/checkPlan.js';
import { faultSpecOf } from '../../src/config/faultSchedule.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';

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
    const [reset] = (await planWith('reset:store@10s')).faults;
    expect(reset).toMatchObject({ action: 'reset', atMs: 10_000 });
    expect(reset!.durationMs).toBeUndefined();
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
