import { rateText } from '../../config/planSummary.js';
import { formatDuration } from '../../config/duration.js';
import { faultSpecOf } from '../../config/faultSchedule.js';
import type { FaultResult, RunResult, VariantResult } from '../../result/result.js';
import { LATE_MS, MAX_LATE_FRACTION } from '../../config/slo.js';

/** Microseconds as milliseconds, with the digits that matter: 0.85, 6.10, 13, 1204. */
export const msFromUs = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 0);

/** "fixed 100 req/s, 5s, 200 users, 1024-byte sessions". */
export function loadLine(result: RunResult): string {
  const load = result.scenario.load;
  return (
    modeText(load) +
    pageViews(result) +
    `, ${formatDuration(load.durationMs)}${load.capacity ? ' steps' : ''}, ${load.users} users, ${load.payloadBytes}-byte sessions, seed ${load.seed}`
  );
}

/** ", page views of 3" under --parallel 3; nothing for one request at a time. */
export function pageViews(result: RunResult): string {
  const parallel = result.scenario.load.parallel ?? 1;
  return parallel > 1 ? `, page views of ${parallel}` : '';
}

/** "fixed 350 req/s", "saturation 64 connections", "capacity from 100 req/s x2, SLO p99<50ms". */
export function modeText(load: RunResult['scenario']['load']): string {
  if (load.mode === 'fixed') return `fixed ${rateText(load)}`;
  if (load.capacity) {
    return `capacity from ${load.rateRps} req/s x${load.capacity.stepFactor}, SLO ${load.capacity.slo}`;
  }
  return `${load.mode} ${load.connections} connections`;
}

/** "kill:app@3s pause:node0@5s:1s", or "none". */
export function plannedFaults(result: RunResult): string {
  const faults = result.scenario.faults;
  // As written on the command line, parameter included (latency 200ms vs 500ms differ).
  return faults.length ? faults.map(faultSpecOf).join(' ') : 'none';
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

/** The app a variant ran; results written before app flavours ran the builtin one. */
export const appFlavour = (r: VariantResult) => r.app?.flavour ?? 'builtin';

/** Middleware options as written: "resave=false rolling=true", or ''. */
export const appOptionsText = (options: Record<string, string> | undefined) =>
  Object.entries(options ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');

/** "express resave=false": the app as part of the variant's identity. */
export const appCell = (r: VariantResult) =>
  [appFlavour(r), appOptionsText(r.app?.options)].filter(Boolean).join(' ');

/** "express 5.3.0, express-session 1.19.0, connect-redis 9.0.0, redis 5.9.0"; '' for builtin. */
export const appPackagesText = (r: VariantResult) =>
  (r.app?.packages ?? []).map((p) => `${p.name} ${p.version}`).join(', ');

/** The variants ran different apps (a merged result): a narrow table needs the app column. */
export const appsDiffer = (results: readonly VariantResult[]) =>
  new Set(results.map(appCell)).size > 1;

/** The run's app for a heading: "app express (resave=false)", "app builtin". */
export function runAppText(result: RunResult): string {
  const app = result.scenario.app ?? { flavour: 'builtin', options: {} };
  const options = appOptionsText(app.options);
  return `app ${app.flavour}${options ? ` (${options})` : ''}`;
}

/** Per variant with packages: "redis: express 5.3.0, express-session 1.19.0, ...". */
export const appPackageLines = (results: readonly VariantResult[]) =>
  results.filter((r) => r.app?.packages.length).map((r) => `${r.variant}: ${appPackagesText(r)}`);

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

/** "1 of 2 faults did not run", or undefined when all of them ran (or none was planned). */
export function skippedFaultsText(r: VariantResult): string | undefined {
  const notRun = r.faults.filter((f) => f.status !== 'done').length;
  return notRun && notRun < r.faults.length
    ? `${notRun} of ${r.faults.length} faults did not run`
    : undefined;
}

/**
 * A loss figure of a variant as a cell: "75/80", "no fault" when its planned faults
 * did not run (a 0 there is not survival), "75/80 (1 of 2 faults did not run)" when
 * some did not, `†` when its durability caveat applies. `loss` tells a reporter to
 * make it stand out.
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
  const coverage = faultCoverage(r);
  if (coverage === 'no fault') {
    return { text: n === 0 ? `no fault${dagger}` : `${figure} (no fault)${dagger}`, loss: n > 0 };
  }
  // The logged-out cell says it once; the lost-update cell beside it stays short.
  const partly = key === 'loggedOutUsers' ? skippedFaultsText(r) : undefined;
  return { text: `${figure}${partly ? ` (${partly})` : ''}${dagger}`, loss: n > 0 };
}

/** "agrees", "MISMATCH" or "undecided" (the run cannot tell). */
export function expectationVerdict(e: NonNullable<FaultResult['expectation']>): string {
  return e.matches === null ? 'undecided' : e.matches ? 'agrees' : 'MISMATCH';
}

/** What the legend says of a "+n shared" loss. */
export const SHARED_LEGEND = 'shared: lost at this fault or an overlapping one, blamed on neither';

const sharedText = (n: number | undefined) => (n ? ` +${n} shared` : '');

/**
 * A fault's losses over who was logged in at it: "70/75", with "+3 logged in later"
 * for users lost at it who were not counted, and "+81 shared" for losses an
 * overlapping fault could equally have caused (blamed on neither, see SHARED_LEGEND).
 */
export function faultLossText(f: FaultResult, spaced = false): string {
  const of = f.loggedInUsersAtFault;
  const base =
    of === undefined ? String(f.loggedOutUsers) : `${f.loggedOutUsers}${spaced ? ' / ' : '/'}${of}`;
  const later = f.loggedOutOutsidePopulation ?? 0;
  return `${base}${later > 0 ? ` +${later} logged in later` : ''}${sharedText(f.ambiguousLoggedOutUsers)}`;
}

/** A fault's lost updates: "0", "2 +5 shared". */
export const faultUpdatesText = (f: FaultResult) =>
  `${f.lostUpdates}${sharedText(f.ambiguousLostUpdates)}`;

/** The legend line of a fault table, when one of its rows has a shared loss. */
export function sharedLegend(faults: FaultResult[]): string[] {
  const shared = faults.some(
    (f) => f.status === 'done' && (f.ambiguousLoggedOutUsers || f.ambiguousLostUpdates),
  );
  return shared ? [SHARED_LEGEND] : [];
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

/** "3.5 s": a time in a run as every reporter writes it. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The share of a fixed-rate run's requests that left late, when over the 1% a
 * capacity step allows: then the rate asked for is not the rate the store saw on
 * time, and latency (counted from the scheduled send) includes that wait.
 */
function lateShare(r: VariantResult): number | undefined {
  // A variant that failed has no figures to qualify.
  if (r.mode !== 'fixed' || r.requests.total === 0 || !measured(r)) return undefined;
  const share = r.requests.late / r.requests.total;
  return share > MAX_LATE_FRACTION ? share : undefined;
}

const percentText = (share: number) => `${(share * 100).toFixed(1)}%`;

/** What went wrong with a variant that ran, in a word each: "stalled at 3.0 s", "app0 died at 2.4 s". */
export function incidentWords(r: VariantResult): string[] {
  const late = lateShare(r);
  return [
    ...(r.stalled ? [`stalled at ${seconds(r.stalled.atMs)}`] : []),
    // Only the generator's own delay makes the row's figures the tool's, not the store's.
    ...(late !== undefined && r.generator?.behind ? ['generator behind'] : []),
    ...(r.unexpectedExits ?? []).map((exit) => `${exit.target} died at ${seconds(exit.tMs)}`),
  ];
}

/** What happened to a variant besides its figures, with the details: a stall, deaths nobody planned. */
export function incidentNotes(r: VariantResult): string[] {
  const out: string[] = [];
  if (r.stalled) {
    out.push(
      `${r.variant}: stalled at ${seconds(r.stalled.atMs)} (no answer for ${seconds(r.stalled.forMs)})`,
    );
  }
  for (const exit of r.unexpectedExits ?? []) {
    out.push(
      `${r.variant}: ${exit.target} died at ${seconds(exit.tMs)} without a planned fault${exit.detail ? ` (${exit.detail})` : ''}`,
    );
  }
  // A generator behind its schedule is an incident of the run (compare warns of it too).
  const late = lateShare(r);
  if (late !== undefined && r.generator?.behind) out.push(`${r.variant}: ${lateNote(r, late)}`);
  return out;
}

/** Late requests the generator does not explain (not an incident: the app or store was slow). */
export function lateNotes(r: VariantResult): string[] {
  const late = lateShare(r);
  return late !== undefined && !r.generator?.behind ? [`${r.variant}: ${lateNote(r, late)}`] : [];
}

/**
 * Requests the client gave up on before sending them: not the app's errors, so the
 * errors column leaves them out, and this says where they went and why.
 */
export function notSentNotes(r: VariantResult): string[] {
  const notSent = r.requests.notSent;
  if (!notSent || !measured(r)) return [];
  // Without the generator's lag figures the cause is not known: say none.
  const why = !r.generator
    ? ''
    : r.generator.behind
      ? ' (the generator fell behind)'
      : ' (every connection was held by a slow answer)';
  return [
    `${r.variant}: ${notSent} requests not sent: no connection was free within the request timeout${why}; they never reached the app, so they are not in its errors, and count as late`,
  ];
}

/** The notes under a report's summary: the incidents, and late or unsent requests of any cause. */
export function variantNotes(r: VariantResult): string[] {
  return [...incidentNotes(r), ...lateNotes(r), ...notSentNotes(r)];
}

/** Late requests and their cause, as far as the generator's own clock tells it. */
function lateNote(r: VariantResult, share: number): string {
  const late = `${percentText(share)} of requests (${r.requests.late}) left more than ${LATE_MS} ms after their scheduled time`;
  const counted = 'latency, counted from the scheduled time, includes that wait';
  if (r.generator?.behind) {
    return `${late}: the generator fell behind (its event loop stalled ${r.generator.stalledMs} ms in all), so ${counted} and the figures are the tool's limit; try --workers or a lower --rate`;
  }
  if (r.generator) {
    return `${late}, with the generator on time: every connection was held by a slow answer (the app or store fell behind); ${counted}`;
  }
  return `${late}; ${counted}`;
}

/** The status word of a variant's row: "ok", "stalled at 3.0 s", "app0 died at 2.4 s", "skipped"... */
export function statusWord(r: VariantResult): string {
  if (r.status !== 'completed') return r.status;
  return incidentWords(r)[0] ?? 'ok';
}

export const errorsOf = (r: VariantResult) => r.requests.errors + r.requests.timeouts;

/** "850 ms", or "none in run": p99 never came back within 2x of before the fault. */
export function recoveryText(f: FaultResult): string {
  return f.recoveryMs === null ? 'none in run' : `${f.recoveryMs} ms`;
}

/** "2026-11-28 03:26:50 UTC". */
export const whenText = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

/**
 * How the app answered during the fault, one short clause: "; during it 812 ok, 95×503,
 * 0×401" (+ errors, timeouts, requests not sent when any). Empty for results written
 * before it was measured.
 */
export function answersText(f: FaultResult): string {
  const a = f.answers;
  if (!a) return '';
  const extra = [
    a.errors ? `${a.errors} err` : '',
    a.timeouts ? `${a.timeouts} timeout` : '',
    a.notSent ? `${a.notSent} not sent` : '',
  ]
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

/** One fault's cells, written once for every reporter's fault table ('' where not measured). */
export interface FaultCells {
  variant: string;
  fault: string;
  at: string;
  done: boolean;
  unavailable: string;
  recovery: string;
  loggedOut: string;
  lostUpdates: string;
  documented: string;
  /** How the app answered during a fault through the proxy ("812 ok, 95×503"), '' otherwise. */
  answers: string;
  status: string;
}

export function faultCells(r: VariantResult, f: FaultResult, spaced = false): FaultCells {
  const done = f.status === 'done';
  const e = f.expectation;
  const dagger = r.durabilityCaveat ? ' †' : '';
  return {
    variant: r.variant,
    fault: faultName(f),
    at: seconds(f.startedMs ?? f.atMs),
    done,
    unavailable: done ? `${f.unavailableMs} ms` : '',
    recovery: done ? recoveryText(f) : '',
    loggedOut: done ? `${faultLossText(f, spaced)}${dagger}` : '',
    lostUpdates: done ? `${faultUpdatesText(f)}${dagger}` : '',
    documented: e ? `${e.loss} (${expectationVerdict(e)})` : '',
    answers: done ? answersText(f).replace(/^; during it /, '') : '',
    status: done ? `done${answersText(f)}` : `${f.status}${f.reason ? `: ${f.reason}` : ''}`,
  };
}

export function faultRows(results: VariantResult[]): (string | number)[][] {
  return results.flatMap((r) =>
    r.faults.map((f) => {
      const c = faultCells(r, f, true);
      return [
        c.variant,
        c.fault,
        c.at,
        c.unavailable,
        c.recovery,
        c.loggedOut,
        c.lostUpdates,
        c.documented,
        c.status,
      ];
    }),
  );
}

/** "memory kill:app: documented loss all, sessions live in the app process (docs); this run cannot decide (why)". */
export function expectationNote(r: VariantResult, f: FaultResult): string {
  const e = f.expectation!;
  const verdict =
    e.matches === null
      ? `; this run cannot decide${e.reason ? ` (${e.reason})` : ''}`
      : e.matches
        ? ''
        : `; this run disagrees${e.reason ? ` (${e.reason})` : ''}`;
  return `${r.variant} ${faultName(f)}: documented loss ${e.loss}, ${e.claim} (${e.source})${verdict}`;
}

/** One note per fault with an expectation. */
export const expectationNotes = (results: VariantResult[]): string[] =>
  results.flatMap((r) => r.faults.filter((f) => f.expectation).map((f) => expectationNote(r, f)));
