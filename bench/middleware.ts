/**
 * The real session middleware under browser-like concurrency (issue 12): app flavour
 * x backend (its store package) x --parallel {1, 2, 4}, at the default scenario's
 * rate (350 req/s), without a fault and with a graceful restart of the store in the
 * middle, on local processes. Prints one Markdown table: lost updates (of those
 * acknowledged), resurrected sessions (of the acknowledged logouts), logged-out users,
 * indeterminate requests and p99, and the store package each row ran.
 *
 * Run: node --import tsx bench/middleware.ts [seconds per run] [backends] [flavours]
 *      e.g. node --import tsx bench/middleware.ts 8 redis,mysql builtin,express,express:recommended,fastify
 */
import { loadPlan } from '../src/config/loadPlan.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

const seconds = Number(process.argv[2] ?? 8);
const backends = (process.argv[3] ?? 'redis,mysql').split(',');
const flavours = (process.argv[4] ?? 'builtin,express,express:recommended,fastify').split(',');
const PARALLEL = [1, 2, 4];
const signal = new AbortController().signal;

async function run(app: string, parallel: number, restart: boolean): Promise<VariantResult[]> {
  const plan = await loadPlan({
    scenario: 'default',
    backends: backends.join(','),
    provider: 'process',
    duration: `${seconds}s`,
    users: '1000',
    scenarioFaults: 'none',
    faults: restart ? [`restart:store@${Math.round(seconds / 2)}s`] : [],
    ...(app === 'builtin' ? {} : { app }),
    parallel: String(parallel),
  });
  return (await runPlan(plan, { signal })).results;
}

const of = (part: number, whole: number | undefined) => `${part}/${whole ?? '?'}`;

function row(app: string, parallel: number, r: VariantResult): string {
  if (r.status !== 'completed')
    return `| ${app} | ${r.variant} | ${parallel} | ${r.status}: ${r.reason ?? ''} |||||`;
  const a = r.audit;
  const packages = r.app?.packages.map((p) => `${p.name} ${p.version}`).join(', ') || 'ours';
  return (
    `| ${app} | ${r.variant} (${packages}) | ${parallel} | ${of(a.lostUpdates, a.acknowledgedUpdates)} | ` +
    `${of(a.resurrectedSessions, a.acknowledgedLogouts)} | ${of(a.loggedOutUsers, r.users.total)} | ` +
    `${a.indeterminate ?? '-'} | ${(r.latencyUs.p99 / 1000).toFixed(1)} |`
  );
}

for (const restart of [false, true]) {
  console.log(
    `\n### ${restart ? `with a graceful restart of the store at ${Math.round(seconds / 2)} s` : 'no fault'} (350 req/s, ${seconds} s, 1,000 users)\n`,
  );
  console.log(
    '| app | backend (store package) | parallel | lost updates (of acked) | resurrected (of logouts) | logged out | indeterminate | p99 ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const app of flavours) {
    for (const parallel of PARALLEL) {
      for (const r of await run(app, parallel, restart)) console.log(row(app, parallel, r));
    }
  }
}
