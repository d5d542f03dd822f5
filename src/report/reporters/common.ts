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

/**
 * Whether a variant has figures to show: it completed, or it was cut short after its
 * load began. A skipped or failed variant's zeros were never measured.
 */
export const measured = (r: VariantResult) =>
  r.status === 'completed' || (r.status === 'aborted' && r.requests.total > 0);

/** Did the variant's planned faults run? `no fault`: there were some, and none ran. */
export type FaultCoverage = 'none planned' | 'all ran' | 'no fault' | 'some did not run';

export function faultCoverage(r: VariantResult): FaultCoverage {
  if (r.faults.length === 0) return 'none planned';
  const ran = r.faults.filter((f) => f.status === 'done').length;
  if (ran === r.faults.length) return 'all ran';
  return ran === 0 ? 'no fault' : 'some did not run';
}

/**
 * A loss figure of a variant as a cell: "75/80", "no fault" when its planned faults
 * did not run (a 0 there is not survival), `†` when its durability caveat applies.
 * `loss` tells a reporter to make it stand out.
 */
export function lossCell(
  r: VariantResult,
  key: 'loggedOutUsers' | 'lostUpdates',
  spaced = false,
): { text: string; loss: boolean } {
  const n = r.audit[key];
  const dagger = r.durabilityCaveat ? ' †' : '';
  const figure =
    key === 'loggedOutUsers' ? `${n}${spaced ? ' / ' : '/'}${r.users.total}` : String(n);
  if (faultCoverage(r) === 'no fault') {
    return { text: n === 0 ? `no fault${dagger}` : `${figure} (no fault)${dagger}`, loss: n > 0 };
  }
  return { text: `${figure}${dagger}`, loss: n > 0 };
}

/** "agrees", "MISMATCH" or "undecided" (the run cannot tell). */
export function expectationVerdict(e: NonNullable<FaultResult['expectation']>): string {
  return e.matches === null ? 'undecided' : e.matches ? 'agrees' : 'MISMATCH';
}

/** A fault's losses over who was logged in at it: "70/75", "+3 logged in later" when some were not counted. */
export function faultLossText(f: FaultResult, spaced = false): string {
  const of = f.loggedInUsersAtFault;
  const base =
    of === undefined ? String(f.loggedOutUsers) : `${f.loggedOutUsers}${spaced ? ' / ' : '/'}${of}`;
  const later = f.loggedOutOutsidePopulation ?? 0;
  return later > 0 ? `${base} +${later} logged in later` : base;
}

/** The caveats of a run, each once with the variants it applies to: "redis, mysql: a compressed day…". */
export function caveatNotes(results: VariantResult[]): string[] {
  const by = new Map<string, string[]>();
  for (const r of results) {
    if (r.durabilityCaveat)
      by.set(r.durabilityCaveat, [...(by.get(r.durabilityCaveat) ?? []), r.variant]);
  }
  return [...by].map(([caveat, variants]) => `† ${variants.join(', ')}: ${caveat}`);
}

/** What happened to a variant besides its figures: a stall, deaths nobody planned. */
export function incidentNotes(r: VariantResult): string[] {
  const out: string[] = [];
  if (r.stalled) {
    out.push(
      `${r.variant}: stalled at ${(r.stalled.atMs / 1000).toFixed(1)} s (no answer for ${(r.stalled.forMs / 1000).toFixed(1)} s)`,
    );
  }
  for (const exit of r.unexpectedExits ?? []) {
    out.push(
      `${r.variant}: ${exit.target} died at ${(exit.tMs / 1000).toFixed(1)} s without a planned fault${exit.detail ? ` (${exit.detail})` : ''}`,
    );
  }
  return out;
}

/** The status word of a variant's row: "ok", "stalled", "app0 died", "skipped"... */
export function statusWord(r: VariantResult): string {
  if (r.status !== 'completed') return r.status;
  if (r.stalled) return `stalled at ${(r.stalled.atMs / 1000).toFixed(0)}s`;
  if (r.unexpectedExits?.length) return `${r.unexpectedExits[0]!.target} died`;
  return 'ok';
}

export const errorsOf = (r: VariantResult) => r.requests.errors + r.requests.timeouts;

export function recoveryText(f: FaultResult): string {
  return f.recoveryMs === null ? 'not within the run' : `${f.recoveryMs} ms`;
}

/** "2026-11-28 03:26:50 UTC". */
export const whenText = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

/**
 * How the app answered during the fault, one short clause: "; during it 812 ok, 95×503,
 * 0×401" (+ errors, timeouts when any). Empty for results written before it was measured.
 */
export function answersText(f: FaultResult): string {
  const a = f.answers;
  if (!a) return '';
  const extra = [a.errors ? `${a.errors} err` : '', a.timeouts ? `${a.timeouts} timeout` : '']
    .filter(Boolean)
    .map((t) => `, ${t}`)
    .join('');
  return `; during it ${a.ok} ok, ${a.unavailable503}×503, ${a.loginWall401}×401${extra}`;
}

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
        done ? faultLossText(f, true) : '',
        done ? f.lostUpdates : '',
        e ? `${e.loss} (${expectationVerdict(e)})` : '',
        done ? `done${answersText(f)}` : `${f.status}${f.reason ? `: ${f.reason}` : ''}`,
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
        const verdict =
          e.matches === null
            ? `; this run cannot decide${e.reason ? ` (${e.reason})` : ''}`
            : e.matches
              ? ''
              : `; this run disagrees${e.reason ? ` (${e.reason})` : ''}`;
        return `${r.variant} ${faultName(f)}: documented loss ${e.loss}, ${e.claim} (${e.source})${verdict}`;
      }),
  );
}
