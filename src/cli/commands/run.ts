import path from 'node:path';
import { Command, Option } from 'commander';
import { backendOf } from '../../backends/registry.js';
import { loadPlan, type RunOverrides } from '../../config/loadPlan.js';
import { FAULT_SPEC_HELP } from '../../config/faultSpec.js';
import { parseFormats } from '../../report/reporters/index.js';
import { renderJson } from '../../report/reporters/json.js';
import { renderDurability } from '../../report/reporters/durability.js';
import { renderTable } from '../../report/reporters/table.js';
import { THRESHOLD_HELP, evaluateThresholds } from '../../report/thresholds.js';
import { writeReports } from '../../report/writeReports.js';
import { resultPath, writeResult } from '../../report/writeResult.js';
import { ProgressChannel, StderrProgress } from '../../runner/progress.js';
import { runPlan } from '../../runner/runPlan.js';
import { EXIT } from '../exitCodes.js';
import { abortOnSignals } from '../interrupt.js';
import { paintVerdicts, stderrColor, thresholdsFailed, thresholdsFrom } from '../output.js';

interface RunFlags extends Omit<RunOverrides, 'faults' | 'targets'> {
  fault: string[];
  target: string[];
  out: string;
  json?: boolean;
  quiet?: boolean;
  format?: string;
  threshold: string[];
  /** false with --no-color. */
  color: boolean;
}

const EXAMPLES = `
Examples:
  $ session-bench run                                  # default scenario, every backend available
  $ session-bench run --scenario smoke --backends memory,disk,cookie --fault kill:app@3s --json
  $ session-bench run --backends memory --mode saturation --duration 10s
  $ session-bench run --backends disk:fsync --rate 1000 --fault pause:app@4s:1s
  $ session-bench run --format md,html,csv --threshold 'p99<50ms' --threshold 'loggedOutUsers==0'
  $ session-bench run --provider process --backends memcached --nodes 3 --fault kill:node1@10s
  $ session-bench run --scenario matrix                # durability: every variant x {restart, kill}
  $ session-bench run --scenario day --backends redis,mysql --compress 2m --seed 7

Fault spec: ${FAULT_SPEC_HELP}
Threshold: ${THRESHOLD_HELP}.
Exit codes: 0 ok, 1 a variant failed or runtime error, 2 bad input, 99 a threshold failed,
130 interrupted.`;

const collect = (value: string, all: string[]) => [...all, value];

export function runCommand(): Command {
  return new Command('run')
    .description(
      'run a scenario against session backends and report latency, throughput and lost sessions',
    )
    .option('--scenario <name|path>', 'shipped scenario name or path to a YAML file', 'default')
    .option(
      '--backends <list>',
      'comma-separated variants, e.g. memory,disk:fsync (default: all available)',
    )
    .addOption(
      new Option('--mode <mode>', 'fixed (open-loop arrival rate) or saturation (closed loop)'),
    )
    .option('--rate <rps>', 'arrival rate for fixed mode, requests per second')
    .option('--duration <time>', 'load duration per variant, e.g. 30s')
    .option('--users <n>', 'virtual users, all logged in during warm-up')
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
      '--target <backend=url>',
      'an existing server for --provider external (repeatable)',
      collect,
      [],
    )
    .option('--fault <spec>', 'inject a fault (repeatable)', collect, [])
    .option('--out <dir>', 'folder for the result JSON', 'results')
    .option('--json', 'print the result JSON on stdout')
    .option(
      '--format <list>',
      'also write these reports next to the result JSON: table, md, html, csv (+ its timeline), timeline-csv',
    )
    .option(
      '--threshold <expr>',
      'fail (exit 99) unless every variant meets it, e.g. p99<50ms (repeatable)',
      collect,
      [],
    )
    .option('--no-color', 'no colors on stderr (NO_COLOR is respected too)')
    .option('--quiet', 'no progress or table on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: RunFlags) => {
      const plan = await loadPlan({ ...flags, faults: flags.fault, targets: flags.target });
      plan.variants?.forEach(backendOf);
      // The result JSON is always written; `json` in --format adds nothing.
      const formats = flags.format ? parseFormats(flags.format).filter((f) => f !== 'json') : [];
      // Checked before anything starts: a typo must not cost a whole run.
      const thresholds = thresholdsFrom(plan.thresholds, flags.threshold, plan.scenario.source, {
        relativeFlags: false,
      });
      const color = stderrColor(flags);
      // The run emits progress; --quiet leaves it without a listener, so nothing shows.
      const progress = new ProgressChannel();
      if (!flags.quiet) new StderrProgress({ color }).listen(progress);
      const interrupt = abortOnSignals();
      let file: string | undefined;
      const save = async (result: Parameters<typeof writeResult>[1]) => {
        file ??= resultPath(path.resolve(flags.out), result);
        await writeResult(file, result);
      };
      try {
        const result = await runPlan(plan, { signal: interrupt.signal, progress, onPartial: save });
        if (thresholds.length) result.thresholds = evaluateThresholds(thresholds, result);
        await save(result);
        const reports = await writeReports(result, formats, file!.replace(/\.json$/, ''));
        if (!flags.quiet) {
          process.stderr.write(
            `${paintVerdicts(renderTable(result), color)}${renderDurability(result)}result: ${file}\n` +
              reports.map((r) => `report: ${r}\n`).join(''),
          );
        }
        if (flags.json) process.stdout.write(renderJson(result));
        if (result.status === 'aborted') process.exitCode = EXIT.interrupted;
        else if (result.results.some((r) => r.status === 'failed')) process.exitCode = EXIT.runtime;
        else if (thresholdsFailed(result.thresholds)) process.exitCode = EXIT.thresholds;
      } finally {
        interrupt.dispose();
      }
    });
}
