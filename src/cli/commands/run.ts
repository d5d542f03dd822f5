import { Command, Option } from 'commander';
import { checkPlanVariants } from '../../backends/checkPlan.js';
import { maxNodesOf } from '../../backends/registry.js';
import { APP_FLAVOUR_HELP } from '../../config/appFlavour.js';
import { loadPlan, type RunOverrides } from '../../config/loadPlan.js';
import { FAULT_SPEC_HELP } from '../../config/faultSpec.js';
import { SLO_GRAMMAR } from '../../config/slo.js';
import { describePlan, planWarnings } from '../../config/planSummary.js';
import { parseFormats } from '../../report/reporters/index.js';
import { renderJson } from '../../report/reporters/json.js';
import { stepSummaryReporter } from '../../report/reporters/stepSummary.js';
import { variantSummaryLine } from '../../report/reporters/summaryLine.js';
import {
  THRESHOLD_HELP,
  checkThresholdVariants,
  evaluateThresholds,
} from '../../report/thresholds.js';
import { writeReports } from '../../report/writeReports.js';
import { prepareOutFolder } from '../../report/outputPlace.js';
import { ResultFile, resultPath, writeFinal } from '../../report/writeResult.js';
import type { RunResult } from '../../result/result.js';
import { InterruptedError, errorMessage } from '../../errors.js';
import { ProgressChannel, StderrProgress } from '../../runner/progress.js';
import { describeClaims } from '../../claims/describeClaims.js';
import { runClaims } from '../../claims/runClaims.js';
import { runPlan } from '../../runner/runPlan.js';
import { exitCodeOfRun } from '../exitCodes.js';
import { failedVariantsOutput } from '../failedVariants.js';
import { interrupts, stopsOnInterrupt } from '../interrupt.js';
import { runEndText, stderrColor, thresholdsFrom } from '../output.js';
import {
  SHARD_HELP,
  WORKERS_HELP,
  addShardOptions,
  parseWorkers,
  shardSetup,
  splitLine,
  type ShardFlags,
} from '../shardFlags.js';

interface RunFlags extends Omit<RunOverrides, 'faults' | 'targets' | 'appOptions'>, ShardFlags {
  appOption: string[];
  fault: string[];
  /** --faults none */
  faults?: string;
  target: string[];
  out: string;
  json?: boolean;
  quiet?: boolean;
  format?: string;
  threshold: string[];
  /** false with --no-color. */
  color: boolean;
  wide?: boolean;
}

const EXAMPLES = `
Examples:
  $ session-bench run                                  # default scenario, one variant per backend
  $ session-bench run --backends all                   # every variant available here
  $ session-bench run --scenario smoke --backends memory,disk,cookie --fault kill:app@3s --json
  $ session-bench run --backends memory --mode saturation --duration 10s --faults none
  $ session-bench run --mode capacity --backends memory,redis,memcached,mysql --slo 'p99<50ms'
  $ session-bench run --backends disk:fsync --rate 1000 --fault pause:app@4s:1s
  $ session-bench run --format md,html,csv --threshold 'p99<50ms' --threshold 'loggedOutUsers==0'
  $ session-bench run --provider process --backends memcached --nodes 3 --faults none --fault kill:node1@10s
  $ session-bench run --backends redis,mysql --fault latency:store@10s:10s:200ms   # through the fault proxy
  $ session-bench run --backends memcached --nodes 3 --faults none --fault partition:node1@10s:5s
  $ session-bench run --backends redis:sentinel,redis:sentinel-wait --faults none --fault partition:primary@10s:20s   # split brain
  $ session-bench run --backends mysql:replica,mysql:semisync,mysql:galera --faults none --fault kill:primary@10s:6s
  $ session-bench run --scenario failover --backends mysql:galera --provider process --duration 40s
  $ session-bench run --scenario failover --provider process   # every replicated variant x {kill, partition} of its primary
  $ session-bench run --scenario matrix                # durability: every variant x {restart, kill}
  $ session-bench run --scenario day --backends redis,mysql --compress 2m --seed 7
  $ session-bench run --backends mysql --neighbor oltp --rate 350,1050,3500 --faults none
  $ session-bench run --scenario claims                # the seed post's four claims, answered here
  $ session-bench run --backends redis --app-url http://127.0.0.1:3000 --app-command 'node server.mjs' --fault kill:app@10s
  $ session-bench run --app express --backends memory,disk,redis,memcached,mysql,cookie
  $ session-bench run --app express --app-option resave=false --app-option rolling=true --backends redis

Fault spec: ${FAULT_SPEC_HELP}
--fault adds to the scenario's faults; --faults none drops the scenario's. A scenario fault
that a shorter --duration or --compress puts after the end of the load is dropped with a
warning; a --fault outside the load is an error.
Threshold: ${THRESHOLD_HELP}.
Exit codes: 0 ok, 1 a variant failed or runtime error, 2 bad input, 99 a threshold failed,
130 interrupted.`;

const collect = (value: string, all: string[]) => [...all, value];

export function runCommand(): Command {
  const command = new Command('run')
    .description(
      'run a scenario against session backends and report latency, throughput and lost sessions',
    )
    .option('--scenario <name|path>', 'shipped scenario name or path to a YAML file', 'default')
    .option(
      '--backends <list>',
      'comma-separated variants, e.g. memory,disk:fsync, or all (default: each backend in its default configuration)',
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'fixed (open-loop arrival rate), saturation (closed loop) or capacity (rate steps up to the SLO: the knee)',
      ),
    )
    .option(
      '--rate <rps>',
      'arrival rate for fixed mode (the first step for capacity mode), requests per second; a,b,c steps through those rates (the load split evenly)',
    )
    .option('--slo <bounds>', `capacity mode: each step must meet ${SLO_GRAMMAR}; default p99<50ms`)
    .option(
      '--step-factor <x>',
      'capacity mode: each step is the previous rate times x (default 2)',
    )
    .option('--step-duration <time>', 'capacity mode: how long each rate step lasts (default 5s)')
    .option(
      '--bisections <n>',
      'capacity mode: steps between the last pass and the first fail (default 3)',
    )
    .option('--duration <time>', 'load duration per variant, e.g. 30s')
    .option('--users <n>', 'virtual users, all logged in during warm-up')
    .option(
      '--parallel <n>',
      'requests per page view, sent at once like a browser (1..16, default 1); --rate stays requests/s',
    )
    .option('--seed <n>', 'seed for user choice and random fault times (same seed, same run)')
    .option('--compress <time>', 'length a diurnal day is replayed in (day scenario), e.g. 5m')
    .option('--provider <name>', 'how servers start: auto, process, docker or external', 'auto')
    .option(
      '--image-set <set>',
      'docker images: official (pinned Docker Hub tags), official-mysql (MySQL instead of MariaDB) or offline (built by `session-bench images build-offline`)',
    )
    .option(
      '--docker-network <mode>',
      'docker: bridge (ports published on 127.0.0.1 only) or host (host networking)',
    )
    .option('--nodes <n>', 'server nodes per pooled backend (memcached, redis)')
    .option(
      '--app-url <url>',
      'drive your own app at this loopback URL, e.g. http://127.0.0.1:3000 (README: "Your own app")',
    )
    .option(
      '--app-command <cmd>',
      'start your own app with this shell command (PORT from --app-url), so app faults reach it',
    )
    .option(
      '--sentinel-down-after <duration>',
      "redis:sentinel*: Sentinel's down-after-milliseconds (default 2s; Sentinel's own 30s)",
    )
    .option(
      '--sentinel-failover-timeout <duration>',
      "redis:sentinel*: Sentinel's failover-timeout (default 10s; Sentinel's own 180s)",
    )
    .option(
      '--cluster-node-timeout <duration>',
      "redis:cluster: cluster-node-timeout (default 2s; Redis's own 15s)",
    )
    .option(
      '--mysql-detection <duration>',
      "mysql:replica, mysql:semisync: failed checks of the primary for this long promote the replica (default 2s); mysql:galera: failed health checks of the front's node for this long move the front (default 1s)",
    )
    .option(
      '--semi-sync-timeout <duration>',
      "mysql:semisync: rpl_semi_sync_master_timeout (default MariaDB's own 10s)",
    )
    .option(
      '--galera-sst <method>',
      'mysql:galera: state transfer to a joining node: auto (default: rsync if installed, else mariabackup), rsync, or mariabackup (needs mariadb-backup and socat, as in the official image)',
    )
    .option(
      '--target <backend=url>',
      'an existing server for --provider external (repeatable)',
      collect,
      [],
    )
    .option('--app <flavour>', `the app under test: ${APP_FLAVOUR_HELP}`)
    .option(
      '--app-option <key=value>',
      'a middleware option, e.g. resave=false or cookie.maxAge=60000; values parse as JSON where they can (repeatable)',
      collect,
      [],
    )
    .option('--fault <spec>', "inject a fault, added to the scenario's (repeatable)", collect, [])
    .option('--faults <none>', "none: drop the scenario's faults (--fault still adds yours)")
    .option(
      '--neighbor <workload>',
      "oltp: the database's other work (its own table or keys) measured alone, then beside the session load",
    )
    .option(
      '--neighbor-rate <ops>',
      'operations per second of the neighbour workload (default 200)',
    )
    .option('--out <dir>', 'folder for the result JSON', 'results')
    .option('--json', 'print the result JSON on stdout')
    .option(
      '--format <list>',
      'also write these reports next to the result JSON: table, md, html, csv (+ its timeline), timeline-csv (the JSON itself is always written)',
    )
    .option(
      '--threshold <expr>',
      'fail (exit 99) unless every variant meets it, e.g. p99<50ms (repeatable)',
      collect,
      [],
    )
    .option('--no-color', 'no colors on stderr (NO_COLOR is respected too)')
    .option('--quiet', 'no progress or table on stderr')
    .option('--wide', 'every column of the summary, lines not cut to 80 columns');
  addShardOptions(command)
    .addHelpText('after', EXAMPLES + WORKERS_HELP + SHARD_HELP)
    .action(runAction);
  return stopsOnInterrupt(command);
}

/** Everything checked before anything starts: a typo must not cost a whole run. */
async function prepareRun(flags: RunFlags) {
  const plan = await loadPlan(
    {
      ...flags,
      faults: flags.fault,
      scenarioFaults: flags.faults,
      targets: flags.target,
      appOptions: flags.appOption,
    },
    { nodesOf: maxNodesOf },
  );
  const variants = checkPlanVariants(plan);
  // The result JSON is always written; `json` in --format adds nothing.
  const formats = flags.format ? parseFormats(flags.format).filter((f) => f !== 'json') : [];
  const thresholds = thresholdsFrom(plan.thresholds, flags.threshold, plan.scenario.source, {
    relativeFlags: false,
  });
  checkThresholdVariants(thresholds, variants.ids);
  const shard = shardSetup(flags, plan);
  const workers = parseWorkers(flags.workers, plan);
  const outDir = await prepareOutFolder(flags.out);
  process.stderr.write(
    flags.quiet
      ? planWarnings(plan)
      : plan.claims
        ? describeClaims(plan)
        : describePlan(plan, variants.planned, variants.note) + splitLine(plan, shard, workers),
  );
  return { plan, formats, thresholds, outDir, shard, workers };
}

/**
 * What happens after each variant: its one-line summary without a terminal (CI), and
 * the result so far written to its file (a failed write is retried with the next one).
 */
function afterEachVariant(flags: RunFlags, fileFor: (result: RunResult) => ResultFile) {
  let warned = false;
  let closed = 0;
  const closeVariants = (result: RunResult) => {
    if (flags.quiet || process.stderr.isTTY) return;
    for (const r of result.results.slice(closed)) {
      process.stderr.write(`${variantSummaryLine(r)}\n`);
    }
    closed = result.results.length;
  };
  const onPartial = async (result: RunResult) => {
    closeVariants(result);
    await fileFor(result)
      .write(result)
      .catch((error: unknown) => {
        if (!warned) process.stderr.write(`warning: ${errorMessage(error)}; measuring on\n`);
        warned = true;
      });
  };
  return { closeVariants, onPartial };
}

async function runAction(flags: RunFlags): Promise<void> {
  const { plan, formats, thresholds, outDir, shard, workers } = await prepareRun(flags);
  const color = stderrColor(flags);
  // The run emits progress; --quiet leaves it without a listener, so nothing shows.
  const progress = new ProgressChannel();
  if (!flags.quiet) new StderrProgress({ color }).listen(progress);
  let file: ResultFile | undefined;
  const fileFor = (result: RunResult) => (file ??= new ResultFile(resultPath(outDir, result)));
  const { closeVariants, onPartial } = afterEachVariant(flags, fileFor);
  const options = {
    signal: interrupts.signal,
    progress,
    onPartial,
    ...(shard ? { shard } : {}),
    workers,
  };
  const result = plan.claims ? await runClaims(plan, options) : await runPlan(plan, options);
  closeVariants(result);
  if (thresholds.length) result.thresholds = evaluateThresholds(thresholds, result);
  const written = fileFor(result);
  const notWritten = await writeFinal(written, result);
  const reports = notWritten
    ? []
    : await writeReports(result, formats, written.file.replace(/\.json$/, ''));
  // A step summary that cannot be written costs a line, not the run's output.
  const summary = await stepSummaryReporter.write(result).catch((error: unknown) => {
    process.stderr.write(`warning: GITHUB_STEP_SUMMARY not written: ${errorMessage(error)}\n`);
    return undefined;
  });
  // A failed server's own last lines, even under --quiet; before the verdicts, which come last.
  process.stderr.write(failedVariantsOutput(result));
  if (!flags.quiet) {
    const files = [
      ...(notWritten ? [] : [{ label: 'result', file: written.file }]),
      ...reports.map((r) => ({ label: 'report', file: r })),
      ...(summary ? [{ label: 'step summary', file: summary }] : []),
    ];
    process.stderr.write(runEndText(result, files, { color, wide: flags.wide }));
  }
  if (flags.json) process.stdout.write(renderJson(result));
  if (notWritten) throw notWritten;
  if (result.status === 'aborted') throw new InterruptedError();
  process.exitCode = exitCodeOfRun(result);
}
