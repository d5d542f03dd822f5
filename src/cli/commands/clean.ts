import { Command } from 'commander';
import { RuntimeError } from '../../errors.js';
import { removeLabelled, renderDockerClean } from '../../providers/dockerClean.js';
import {
  UNOWNED_MIN_AGE_MS,
  cleanLeftovers,
  leftoverRoots,
  type CleanOutcome,
} from '../../providers/processLeftovers.js';

interface CleanFlags {
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ session-bench clean              # after a crash or a second Ctrl-C
  $ session-bench clean --dry-run    # only say what would go
  $ session-bench clean --json

Looks in ${leftoverRoots().join(' and ')} for session-bench-<runId>-* folders, and asks
Docker for containers and volumes labelled session-bench.run-id. A server
is killed only while /proc/<pid>/cmdline still names the binary its pid file recorded.
Folders of a session-bench run still in progress are kept unless --force; folders
without any owner record are kept until ${UNOWNED_MIN_AGE_MS / 60_000} minutes after their last change.`;

function render(outcomes: CleanOutcome[]): string {
  if (outcomes.length === 0) return 'nothing to clean\n';
  const lines: string[] = [];
  for (const o of outcomes) {
    for (const k of o.killed)
      lines.push(
        `${o.action === 'would remove' ? 'would kill' : 'killed'} ${k.binary} pid ${k.pid}`,
      );
    for (const s of o.spared) lines.push(`left ${s.binary} pid ${s.pid} alone: ${s.why}`);
    lines.push(`${o.action} ${o.dir}${o.reason ? `: ${o.reason}` : ''}`);
    for (const p of o.problems) lines.push(`  problem: ${p}`);
  }
  return `${lines.join('\n')}\n`;
}

export function cleanCommand(): Command {
  return new Command('clean')
    .description(
      'kill servers, remove temp folders and containers that an aborted or crashed run left behind',
    )
    .option('--dry-run', 'say what would be killed and removed, change nothing')
    .option('--force', 'also clean folders of a run that still seems to be in progress')
    .option('--json', 'print what was done as JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: CleanFlags) => {
      const outcomes = await cleanLeftovers({ dryRun: flags.dryRun, force: flags.force });
      // Containers and volumes labelled session-bench.run-id (docker provider).
      const docker = await removeLabelled({ dryRun: flags.dryRun, force: flags.force });
      const dockerFound = docker.removed.length + docker.spared.length + docker.problems.length;
      const text = [
        ...(outcomes.length || !dockerFound ? [render(outcomes)] : []),
        ...renderDockerClean(docker).map((line) => `${line}\n`),
      ].join('');
      process.stdout.write(
        flags.json ? `${JSON.stringify({ process: outcomes, docker }, null, 2)}\n` : text,
      );
      const problems = [...outcomes.flatMap((o) => o.problems), ...docker.problems];
      if (problems.length)
        throw new RuntimeError(`clean left things behind: ${problems.join('; ')}`);
    });
}
