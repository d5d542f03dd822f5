import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runMemory, startMemoryApp } from './memoryRun.ts';
const app = await startMemoryApp();
// simpler: measure around the whole run
for (const rate of process.argv.slice(2)) {
  const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const r = await runMemory({ appUrl: app.url, rate, duration: '6s', users: '20000' });
  const c = process.cpuUsage(c0); const wall = performance.now() - t0; h.disable();
  console.log(rate, 'late', r.requests.late, '/', r.requests.total, 'cpu', ((c.user + c.system) / 1000 / wall).toFixed(2), 'loop p99', (h.percentile(99) / 1e6).toFixed(1), 'ms max', (h.max / 1e6).toFixed(1), 'p99 lat', r.latencyUs.p99 / 1000);
}
await app.stop();
