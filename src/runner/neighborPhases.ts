import type { Plan } from '../config/planSchema.js';
import { errorMessage } from '../errors.js';
import { percentileOf } from '../load/latency.js';
import type { LogIndex } from '../load/logIndex.js';
import { isAnswered, type Outcome } from '../load/requestLog.js';
import { sleep } from '../lifecycle/sleep.js';
import { stepStartsMs } from '../load/arrivals.js';
import { NeighborWorkload } from '../neighbor/neighborWorkload.js';
import { NEIGHBOR_ENGINES, type NeighborEngine } from '../neighbor/neighborProtocol.js';
import type { NeighborPhaseResult, NeighborResult, TimelinePoint } from '../result/result.js';
import { runTableName } from '../lifecycle/runNames.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';

/** Phase names sent to the neighbour child; `beside:<rate>` carries the session rate. */
const BESIDE = 'beside:';
/** Its first operations open connections and warm caches: left out of every phase. */
const SETTLE_MS = 1_000;

/**
 * The neighbour workload across a variant (`--neighbor oltp`): started on the
 * variant's first node once the servers are up, alone for its baseline, then through
 * the warm-up, beside the session load (one phase per rate step) and the sweep; its
 * figures land in `result.neighbor`. Embedded backends have no database to share.
 */
export class NeighborPhases {
  private timers: NodeJS.Timeout[] = [];
  private finished = false;

  private constructor(
    private readonly workload: NeighborWorkload,
    private readonly result: NeighborResult,
  ) {}

  /** Undefined when the run asks for no neighbour; a skipped or failed one is in the result. */
  static async start(run: VariantRun, state: VariantState): Promise<NeighborPhases | undefined> {
    const { plan, backend } = run;
    const wanted = plan.neighbor;
    if (!wanted) return undefined;
    const result: NeighborResult = {
      workload: wanted.workload,
      status: 'skipped',
      rateRps: wanted.rateRps,
      phases: [],
    };
    state.result.neighbor = result;
    const engine = NEIGHBOR_ENGINES.find((e) => e === backend.name) as NeighborEngine | undefined;
    const endpoint = state.nodeEndpoints?.[0];
    if (!engine || !endpoint) {
      result.reason = `${backend.name} keeps sessions in the app's own process: there is no database whose other work could suffer`;
      return undefined;
    }
    const sql = engine === 'mysql' || engine === 'postgres';
    const name = sql
      ? `${runTableName(run.runId)}_nb`.toLowerCase()
      : `session-bench:${run.runId}:nb:`;
    result.description = sql
      ? `point select by id and update of an indexed column by id on table ${name} (${wanted.rows.toLocaleString('en-US')} rows), ${Math.round(wanted.updateShare * 100)}% updates`
      : `GET and SET of 120-byte values on ${wanted.rows.toLocaleString('en-US')} keys ${name}*, ${Math.round(wanted.updateShare * 100)}% SETs`;
    try {
      const workload = await NeighborWorkload.prepare({
        engine,
        endpoint,
        settings: state.serverSettings ?? {},
        name,
        rateRps: wanted.rateRps,
        rows: wanted.rows,
        updateShare: wanted.updateShare,
        timeoutMs: plan.load.timeoutMs,
        seed: plan.load.seed,
      });
      const phases = new NeighborPhases(workload, result);
      // Also on failure: its table is dropped before the servers stop.
      state.cleanup.push('neighbour workload', () => phases.close());
      result.status = 'done';
      return phases;
    } catch (error) {
      result.status = 'failed';
      result.reason = errorMessage(error);
      return undefined;
    }
  }

  /** Alone on the server for the baseline, then on through the warm-up. */
  async alone(run: VariantRun): Promise<void> {
    run.progress?.phase(
      run.variant,
      `neighbour alone for ${run.plan.neighbor!.baselineMs / 1000} s`,
    );
    // Its first second is its own warm-up (connections, a cold cache): not its baseline.
    await this.workload.start('settle');
    await sleep(SETTLE_MS, run.signal);
    await this.workload.phase('alone');
    await sleep(run.plan.neighbor!.baselineMs, run.signal);
    await this.workload.phase('warm-up');
  }

  /** At the load's start: one phase per rate step, switched at each step's start. */
  async besideLoad(run: VariantRun): Promise<void> {
    const { load } = run.plan;
    const rates = load.rateSteps ?? [load.rateRps];
    const starts = load.rateSteps ? stepStartsMs(load) : [0];
    await this.workload.phase(`${BESIDE}${rates[0]}`);
    this.timers = starts
      .slice(1)
      .map((atMs, i) =>
        setTimeout(
          () => void this.workload.phase(`${BESIDE}${rates[i + 1]}`).catch(() => {}),
          atMs,
        ),
      );
  }

  async sweep(): Promise<void> {
    this.clearTimers();
    await this.workload.phase('sweep');
  }

  /** Stops it (its table is dropped) and records every phase. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    try {
      const { phases } = await this.workload.finish();
      this.result.phases = phases.filter((p) => p.phase !== 'settle').map(phaseResult);
    } catch (error) {
      this.result.status = 'failed';
      this.result.reason = errorMessage(error);
    }
  }

  /** Cleanup: finishes it if the variant did not get that far, then ends the child. */
  async close(): Promise<void> {
    await this.finish();
    await this.workload.stop();
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}

function phaseResult(
  p: { phase: string } & Omit<NeighborPhaseResult, 'phase' | 'sessionRateRps'>,
): NeighborPhaseResult {
  const { phase, ...figures } = p;
  if (phase.startsWith(BESIDE)) {
    return { phase: 'beside', sessionRateRps: Number(phase.slice(BESIDE.length)), ...figures };
  }
  return { phase: phase as NeighborPhaseResult['phase'], ...figures };
}

/**
 * The session load's own figures in each step the neighbour ran beside (requests
 * intended in the step, how many were answered, their p99): a step the sessions did
 * not keep up with says so next to the neighbour's figures.
 */
export function sessionFiguresPerStep(
  neighbor: NeighborResult,
  index: LogIndex,
  load: Plan['load'],
  timeline: TimelinePoint[],
): void {
  const rates = load.rateSteps ?? [load.rateRps];
  const starts = load.rateSteps ? stepStartsMs(load) : [0];
  const { log } = index;
  neighbor.phases
    .filter((p) => p.phase === 'beside')
    .forEach((phase, i) => {
      if (phase.sessionRateRps !== rates[i]) return;
      const [from, to] = [starts[i]!, starts[i + 1] ?? load.durationMs];
      const rows = index.rows(from, to);
      const cpu = timeline
        .filter((p) => p.tMs >= from && p.tMs < to)
        .flatMap((p) => p.resources?.filter((u) => u.target === 'node0') ?? [])
        .map((u) => u.cpuPercent);
      const answered = rows.filter((r) => isAnswered(log.outcome[r] as Outcome));
      phase.session = {
        requests: rows.length,
        answered: answered.length,
        p99Us: percentileOf(
          answered.map((r) => log.latencyUs[r]!),
          99,
        ),
        ...(cpu.length
          ? { nodeCpuPercent: Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length) }
          : {}),
      };
    });
}
