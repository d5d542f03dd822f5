import { formatDuration } from '../../config/duration.js';
import type { FaultResult, RunResult, VariantResult } from '../../result/result.js';

/** Microseconds as milliseconds, with the digits that matter: 0.85, 6.10, 13, 1204. */
export const msFromUs = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 0);

/** "fixed 100 req/s, 5s, 200 users, 1024-byte sessions". */
export function loadLine(result: RunResult): string {
  const load = result.scenario.load;
  return (
    `${load.mode}` +
    (load.mode === 'fixed' ? ` ${load.rateRps} req/s` : ` ${load.connections} connections`) +
    `, ${formatDuration(load.durationMs)}, ${load.users} users, ${load.payloadBytes}-byte sessions, seed ${load.seed}`
  );
}

/** "kill:app@3s pause:node0@5s:1s", or "none". */
export function plannedFaults(result: RunResult): string {
  const faults = result.scenario.faults;
  if (!faults.length) return 'none';
  return faults
    .map(
      (f) =>
        `${f.action}:${f.target}@${formatDuration(f.atMs)}` +
        (f.durationMs !== undefined ? `:${formatDuration(f.durationMs)}` : ''),
    )
    .join(' ');
}

export const faultName = (f: FaultResult) => `${f.action}:${f.target}`;

/** "2 × AMD EPYC 7B13, 23.5 GiB, linux 6.1.0, Node v20.19.0". */
export function machineLine(result: RunResult): string {
  const m = result.machine;
  return `${m.cpus} × ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.platform}, Node ${m.node}`;
}

/** "redis 7.0.15", "embedded in the app", or "not started". */
export function serverLine(r: VariantResult): string {
  if (r.server) return `${r.server.name} ${r.server.version}`;
  return r.provider === 'embedded' ? 'in the app process' : 'not started';
}

export const statusText = (r: VariantResult) =>
  r.status === 'completed' ? 'ok' : `${r.status}${r.reason ? `: ${r.reason}` : ''}`;

export const errorsOf = (r: VariantResult) => r.requests.errors + r.requests.timeouts;

export function recoveryText(f: FaultResult): string {
  return f.recoveryMs === null ? 'not within the run' : `${f.recoveryMs} ms`;
}

/** "2026-11-28 03:26:50 UTC". */
export const whenText = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

/** The per-fault table of md and html: head, alignment ('l'/'r') and one row per fault. */
export const FAULT_COLUMNS = [
  'variant',
  'fault',
  'at',
  'unavailable',
  'recovery',
  'logged out',
  'lost updates',
  'documented loss',
  'status',
];
export const FAULT_ALIGN = 'llrrrrrll';

export function faultRows(results: VariantResult[]): (string | number)[][] {
  return results.flatMap((r) =>
    r.faults.map((f) => {
      const done = f.status === 'done';
      const e = f.expectation;
      return [
        r.variant,
        faultName(f),
        `${((f.startedMs ?? f.atMs) / 1000).toFixed(1)} s`,
        done ? `${f.unavailableMs} ms` : '',
        done ? recoveryText(f) : '',
        done
          ? `${f.loggedOutUsers}${f.loggedInUsersAtFault !== undefined ? ` / ${f.loggedInUsersAtFault}` : ''}`
          : '',
        done ? f.lostUpdates : '',
        e ? `${e.loss}${e.matches ? ' (agrees)' : ' (MISMATCH)'}` : '',
        done ? 'done' : `${f.status}${f.reason ? `: ${f.reason}` : ''}`,
      ];
    }),
  );
}

/** "memory kill app0: documented all (sessions live in the app process...; in-process Map)", one per fault with an expectation. */
export function expectationNotes(results: VariantResult[]): string[] {
  return results.flatMap((r) =>
    r.faults
      .filter((f) => f.expectation)
      .map((f) => {
        const e = f.expectation!;
        return `${r.variant} ${faultName(f)}: documented loss ${e.loss}, ${e.claim} (${e.source})${e.matches ? '' : '; this run disagrees'}`;
      }),
  );
}
