/**
 * Entry point of the neighbour child: the database's other work, sent open-loop at a
 * fixed rate from its own process, so the session load generator's event loop cannot
 * slow it down and make the database look worse than it is. Controlled over IPC
 * (neighborProtocol.ts); exits when session-bench goes away.
 */
import { answerRequests } from '../lifecycle/ipcChild.js';
import { LATE_MS } from '../config/slo.js';
import { newLatencyHistogram, summarize } from '../load/latency.js';
import { seededRandom } from '../random.js';
import { neighborOps } from './neighborEngines.js';
import {
  NEIGHBOR_CONFIG_ENV,
  type NeighborCommand,
  type NeighborConfig,
  type NeighborPhase,
} from './neighborProtocol.js';

const config = JSON.parse(process.env[NEIGHBOR_CONFIG_ENV] ?? 'null') as NeighborConfig | null;
if (!config) throw new Error(`${NEIGHBOR_CONFIG_ENV} is not set: started by session-bench`);

const ops = neighborOps(config);
const random = seededRandom(config.seed);
const intervalMs = 1000 / config.rateRps;

interface PhaseCounts {
  phase: string;
  startedMs: number;
  endedMs?: number;
  histogram: ReturnType<typeof newLatencyHistogram>;
  operations: number;
  errors: number;
  late: number;
}

const phases: PhaseCounts[] = [];
const inFlight = new Set<Promise<void>>();
let running = false;
let originMs = 0;
let sent = 0;

function beginPhase(phase: string): void {
  const now = performance.now();
  const current = phases.at(-1);
  if (current) current.endedMs = now;
  phases.push({
    phase,
    startedMs: now,
    histogram: newLatencyHistogram(),
    operations: 0,
    errors: 0,
    late: 0,
  });
}

/** One operation, its latency counted from its intended time in the phase it was meant for. */
function send(intendedMs: number): void {
  const phase = phases.at(-1)!;
  const id = 1 + Math.floor(random() * config!.rows);
  const operation = random() < config!.updateShare ? ops.update(id) : ops.read(id);
  if (performance.now() - intendedMs > LATE_MS) phase.late++;
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('timeout')), config!.timeoutMs).unref(),
  );
  const request = Promise.race([operation, timeout])
    .then(
      () =>
        phase.histogram.recordValue(
          Math.max(1, Math.round((performance.now() - intendedMs) * 1000)),
        ),
      () => void phase.errors++,
    )
    .finally(() => inFlight.delete(request));
  phase.operations++;
  inFlight.add(request);
}

function tick(): void {
  if (!running) return;
  const now = performance.now();
  while (originMs + sent * intervalMs <= now) send(originMs + sent++ * intervalMs);
  setTimeout(tick, Math.max(0, originMs + sent * intervalMs - performance.now()));
}

function report(): NeighborPhase[] {
  return phases.map((p) => ({
    phase: p.phase,
    durationMs: Math.round((p.endedMs ?? performance.now()) - p.startedMs),
    operations: p.operations,
    errors: p.errors,
    late: p.late,
    latencyUs: summarize(p.histogram),
  }));
}

answerRequests<NeighborCommand>(async (command) => {
  switch (command.type) {
    case 'prepare':
      await ops.prepare();
      return {};
    case 'start':
      beginPhase(command.phase);
      running = true;
      originMs = performance.now();
      tick();
      return {};
    case 'phase':
      beginPhase(command.phase);
      return {};
    case 'finish': {
      running = false;
      const current = phases.at(-1);
      if (current) current.endedMs = performance.now();
      await Promise.allSettled([...inFlight]);
      const cleanup = await ops.remove().catch((error: Error) => `not removed: ${error.message}`);
      await ops.close().catch(() => undefined);
      return { phases: report(), cleanup };
    }
  }
});

process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the runner stops it in its cleanup order.
process.on('SIGINT', () => undefined);
