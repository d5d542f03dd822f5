import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { cleanCommand } from './commands/clean.js';
import { compareCommand } from './commands/compare.js';
import { imagesCommand } from './commands/images.js';
import { interrupts, isStoppingOnInterrupt } from './interrupt.js';
import { listCommand } from './commands/list.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';

export function buildProgram(): Command {
  const program = new Command('session-bench')
    .description(
      'Benchmark and chaos-test where a web app keeps its sessions: latency, throughput, ' +
        'and how many logged-in users a restart, a crash or a pause logs out.',
    )
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage and examples)')
    .addCommand(runCommand())
    .addCommand(reportCommand())
    .addCommand(mergeCommand())
    .addCommand(compareCommand())
    .addCommand(listCommand())
    .addCommand(imagesCommand())
    .addCommand(cleanCommand())
    // Hooks of the program run for every subcommand's action.
    .hook('preAction', (_program, command) =>
      interrupts.commandStarts(isStoppingOnInterrupt(command)),
    );
  program.commands.forEach((c) => c.exitOverride().showHelpAfterError());
  return program.exitOverride();
}
