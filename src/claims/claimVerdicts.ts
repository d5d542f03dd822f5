import type { ClaimId } from '../config/schema.js';
import type { ClaimResult, FaultResult, VariantResult } from '../result/result.js';
import { PEAK_MULTIPLES } from './claimPlans.js';

/**
 * Each claim's verdict, a pure function of the results made for it: the figures are
 * read from the results and written into the sentences here, never typed in. The
 * rules (what "all" and "a bottleneck" mean) are stated in the conditions.
 */
export type Verdict = Pick<ClaimResult, 'verdict' | 'conditions' | 'evidence'>;

/** Share of users lost at a fault that counts as "every user" (a few log in again meanwhile). */
const ALL_SHARE = 0.95;
/** The neighbour's p99 this many times its baseline or more: the database's other work slowed. */
const SLOWDOWN_FACTOR = 2;

const pct = (part: number, whole: number) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)}%` : 'n/a';
const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 0)} ms`;

/** Results that did not complete make the claim unanswerable; say which and why. */
function unmeasured(results: VariantResult[], wanted: string[]): Verdict | undefined {
  const missing = wanted.filter((v) => !results.some((r) => r.variant === v));
  const failed = results.filter((r) => r.status !== 'completed');
  if (!missing.length && !failed.length) return undefined;
  const why = [
    ...missing.map((v) => `${v} did not run`),
    ...failed.map((r) => `${r.variant} ${r.status}: ${r.reason ?? 'no reason given'}`),
  ];
  return { verdict: 'not measured', conditions: why.join('; '), evidence: [] };
}

function faultOf(r: VariantResult, action: FaultResult['action']): FaultResult | undefined {
  return r.faults.find((f) => f.action === action);
}

/** "restart at 10s: 480 of 500 logged-in users logged out (96%)", or why there is no figure. */
function faultLoss(
  r: VariantResult,
  f: FaultResult | undefined,
): { lost?: number; of?: number; text: string } {
  if (!f) return { text: 'no such fault in this run' };
  if (f.status !== 'done')
    return { text: `${f.action} ${f.status}${f.reason ? `: ${f.reason}` : ''}` };
  const of = f.loggedInUsersAtFault ?? r.users.total;
  return {
    lost: f.loggedOutUsers,
    of,
    text: `${f.action} at ${(f.atMs / 1000).toFixed(0)}s: ${f.loggedOutUsers} of ${of} logged-in users logged out (${pct(f.loggedOutUsers, of)}), ${f.lostUpdates} lost updates`,
  };
}

function diskScale(results: VariantResult[]): Verdict {
  const missing = unmeasured(results, ['disk', 'redis']);
  if (missing) return missing;
  const disk = results.find((r) => r.variant === 'disk')!;
  const shared = results.find((r) => r.variant === 'redis')!;
  const line = (r: VariantResult) => ({
    variant: r.variant,
    text: `${r.audit.loggedOutUsers} of ${r.users.total} users logged out (${pct(r.audit.loggedOutUsers, r.users.total)}), ${r.audit.loginWallHits} requests met the login wall, p99 ${ms(r.latencyUs.p99)}, ${r.throughputRps.toFixed(0)} req/s`,
  });
  const evidence = [line(disk), line(shared)];
  if (disk.audit.loggedOutUsers === 0) {
    return {
      verdict: 'does not hold on this machine',
      conditions: 'disk logged nobody out behind 2 app instances without sticky sessions',
      evidence,
    };
  }
  return {
    verdict: 'holds under conditions',
    conditions:
      `with more than one app server: each keeps its own session files, so behind 2 instances without sticky sessions disk logged out ${pct(disk.audit.loggedOutUsers, disk.users.total)} of its users while a shared store (redis) logged out ${pct(shared.audit.loggedOutUsers, shared.users.total)} ` +
      '(sticky sessions and shared file systems were not measured)',
    evidence,
  };
}

function memcachedRestart(results: VariantResult[]): Verdict {
  const missing = unmeasured(results, ['memcached', 'memcached:warm']);
  if (missing) return missing;
  const plain = results.find((r) => r.variant === 'memcached')!;
  const warm = results.find((r) => r.variant === 'memcached:warm')!;
  const plainLoss = faultLoss(plain, faultOf(plain, 'restart'));
  const warmLoss = faultLoss(warm, faultOf(warm, 'restart'));
  const evidence = [
    { variant: plain.variant, text: plainLoss.text },
    { variant: warm.variant, text: warmLoss.text },
  ];
  if (plainLoss.lost === undefined || warmLoss.lost === undefined || !plainLoss.of) {
    return {
      verdict: 'not measured',
      conditions: 'the restart did not run on both variants',
      evidence,
    };
  }
  const all = (lost: number, of: number) => of > 0 && lost >= ALL_SHARE * of;
  const rule = `"every user" read as at least ${ALL_SHARE * 100}% of the users logged in at the restart`;
  if (!all(plainLoss.lost, plainLoss.of)) {
    return {
      verdict: 'does not hold on this machine',
      conditions: `a plain restart logged out ${pct(plainLoss.lost, plainLoss.of)} (${rule})`,
      evidence,
    };
  }
  if (all(warmLoss.lost, warmLoss.of ?? 0)) return { verdict: 'holds', conditions: rule, evidence };
  return {
    verdict: 'holds under conditions',
    conditions: `for memcached's default, memory-only setup: a plain restart logged out ${pct(plainLoss.lost, plainLoss.of)}, while a warm restart (memcached -e with its memory file on tmpfs, restarted gracefully with SIGUSR1) logged out ${pct(warmLoss.lost, warmLoss.of ?? 0)} (${rule})`,
    evidence,
  };
}

/** A step whose sessions were answered this late (p99), or under 99% of them at all, was not served on time. */
const ON_TIME_P99_US = 1_000_000;

interface StepReading {
  multiple: number;
  /** The neighbour's p99 at least SLOWDOWN_FACTOR x its baseline, or neighbour errors. */
  neighbourSlowed: boolean;
  /** The session requests of the step were not served on time (see ON_TIME_P99_US). */
  sessionsBehind: boolean;
  text: string;
}

/** Each step of the neighbour's run beside the sessions, read against its baseline. */
function stepReadings(r: VariantResult): { alone: string; steps: StepReading[] } | undefined {
  const n = r.neighbor;
  if (!n || n.status !== 'done') return undefined;
  const alone = n.phases.find((p) => p.phase === 'alone');
  const beside = n.phases.filter((p) => p.phase === 'beside');
  if (!alone || alone.latencyUs.p99 === 0 || beside.length === 0) return undefined;
  const steps = beside.map((p, i) => {
    const factor = p.latencyUs.p99 / alone.latencyUs.p99;
    const s = p.session;
    const sessionsBehind =
      s !== undefined && (s.answered < 0.99 * s.requests || s.p99Us > ON_TIME_P99_US);
    const cpu = s?.nodeCpuPercent !== undefined ? `, database CPU ${s.nodeCpuPercent}%` : '';
    const sessions = s
      ? `; sessions p99 ${ms(s.p99Us)}, ${s.answered} of ${s.requests} answered${cpu}`
      : '';
    return {
      multiple: PEAK_MULTIPLES[i] ?? i + 1,
      neighbourSlowed: factor >= SLOWDOWN_FACTOR || p.errors > 0,
      sessionsBehind,
      text: `beside ${p.sessionRateRps} req/s: neighbour p99 ${ms(p.latencyUs.p99)} (×${factor.toFixed(1)}${p.errors ? `, ${p.errors} errors` : ''})${sessions}`,
    };
  });
  return { alone: `neighbour p99 ${ms(alone.latencyUs.p99)} alone`, steps };
}

/** "mysql: the neighbour's p99 doubled from 3x the peak", or what happened instead. */
function hotspotWhere(variant: string, steps: StepReading[]): { text: string; from?: number } {
  const slowed = steps.find((s) => s.neighbourSlowed);
  const behind = steps.find((s) => s.sessionsBehind);
  if (slowed && (!behind || slowed.multiple <= behind.multiple)) {
    return {
      text: `${variant}: the neighbour slowed from ${slowed.multiple}x the peak`,
      from: slowed.multiple,
    };
  }
  if (behind) {
    return {
      text: `${variant}: from ${behind.multiple}x the peak the sessions themselves were not served on time (the database, or this machine's shared cores, at their limit), the neighbour ${slowed ? `slowed from ${slowed.multiple}x` : 'did not slow'}`,
      from: behind.multiple,
    };
  }
  return {
    text: `${variant}: the neighbour did not slow up to ${PEAK_MULTIPLES.at(-1)}x the peak`,
  };
}

/** "knee 700 req/s (p99 9.49 ms): 700 req/s x 86,400 s / 3 = 20.2M requests/day". */
function kneeEvidence(r: VariantResult): { variant: string; text: string } {
  const c = r.capacity!;
  const bound =
    c.limitedBy === 'generator' ? "; a lower bound: this machine's generator gave out first" : '';
  const text =
    c.kneeRps === null
      ? `capacity search: even the first step (${c.steps[0]?.rateRps ?? '?'} req/s) failed the SLO ${c.slo}`
      : `capacity search (${c.slo}): knee ${c.kneeRps} req/s, p99 ${ms(c.kneeP99Us ?? 0)}; ${c.arithmetic}${bound}`;
  return { variant: r.variant, text };
}

function rdbHotspot(results: VariantResult[]): Verdict {
  const missing = unmeasured(results, ['mysql', 'postgres']);
  if (missing) return missing;
  const rule =
    `"slows the database's other work" read as the neighbour's p99 at least ${SLOWDOWN_FACTOR}x its p99 alone, or neighbour errors; ` +
    `sessions "not served on time" as a p99 over ${ms(ON_TIME_P99_US)} or under 99% answered`;
  // The knee search's results carry `capacity`; the neighbour run's do not.
  const per = results.filter((r) => !r.capacity).map((r) => ({ r, readings: stepReadings(r) }));
  const evidence = [
    ...per.map(({ r, readings }) => ({
      variant: r.variant,
      text: readings
        ? `${readings.alone}; ${readings.steps.map((s) => s.text).join('; ')}`
        : `no neighbour figures: ${r.neighbor?.reason ?? 'none recorded'}`,
    })),
    ...results.filter((r) => r.capacity).map(kneeEvidence),
  ];
  if (per.some(({ readings }) => !readings)) {
    return { verdict: 'not measured', conditions: 'a neighbour workload did not run', evidence };
  }
  const where = per.map(({ r, readings }) => hotspotWhere(r.variant, readings!.steps));
  if (where.every((w) => w.from === 1)) {
    return {
      verdict: 'holds',
      conditions: `at the 10M/day peak already: ${where.map((w) => w.text).join('; ')} (${rule})`,
      evidence,
    };
  }
  if (where.every((w) => w.from === undefined)) {
    return {
      verdict: 'does not hold on this machine',
      conditions: `${where.map((w) => w.text).join('; ')} (${rule})`,
      evidence,
    };
  }
  return {
    verdict: 'holds under conditions',
    conditions: `${where.map((w) => w.text).join('; ')} (${rule})`,
    evidence,
  };
}

const REDIS_VARIANTS = [
  'redis',
  'redis:none',
  'redis:rdb',
  'redis:aof-everysec',
  'redis:aof-always',
];

function redisPersistence(results: VariantResult[]): Verdict {
  const missing = unmeasured(results, REDIS_VARIANTS);
  if (missing) return missing;
  const evidence = results.flatMap((r) =>
    (['restart', 'kill'] as const).map((action) => ({
      variant: r.variant,
      text: faultLoss(r, faultOf(r, action)).text,
    })),
  );
  const kill = (variant: string) => {
    const r = results.find((x) => x.variant === variant)!;
    return faultLoss(r, faultOf(r, 'kill'));
  };
  const defaults = kill('redis');
  const always = kill('redis:aof-always');
  if (defaults.lost === undefined || always.lost === undefined) {
    return { verdict: 'not measured', conditions: 'the kill did not run', evidence };
  }
  const lossless = REDIS_VARIANTS.filter((v) => kill(v).lost === 0);
  const lossy = REDIS_VARIANTS.filter((v) => (kill(v).lost ?? 0) > 0);
  if (lossy.length === 0) {
    return {
      verdict: 'does not hold on this machine',
      conditions: 'no variant lost a session on a kill',
      evidence,
    };
  }
  return {
    verdict: 'holds under conditions',
    conditions: `it depends on the persistence setting: on a kill ${lossy.join(', ')} lost sessions (the defaults: ${pct(defaults.lost, defaults.of ?? 0)} of those logged in), ${lossless.join(', ') || 'none'} lost none; a graceful restart saves first (see the restart figures)`,
    evidence,
  };
}

const VERDICTS: Record<ClaimId, (results: VariantResult[]) => Verdict> = {
  'disk-scale': diskScale,
  'memcached-restart': memcachedRestart,
  'rdb-hotspot': rdbHotspot,
  'redis-persistence': redisPersistence,
};

export function claimVerdict(id: ClaimId, results: VariantResult[]): Verdict {
  return VERDICTS[id](results);
}
