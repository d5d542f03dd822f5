import type { Command } from 'commander';
import { InterruptedError } from '../errors.js';
import { EXIT } from './exitCodes.js';

/** Each of them means "stop now": Ctrl-C, a supervisor (SIGTERM), a closed terminal (SIGHUP). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Signals this close to the first one count as the same interrupt. */
const REPEAT_MS = 1_000;

/**
 * Interrupts, caught before main.ts loads the rest of the CLI: a signal that arrives while the
 * CLI is still loading (~0.5 s) is kept, not left to Node's default (exit 143 / 129
 * with no result and the temp folder left behind).
 *
 * A command that stops on its own (`run`: stops the load, skips what is left, stops
 * everything it started, writes the result as "aborted") reads `interrupts.signal`;
 * a second signal exits at once (children still go: they watch their IPC channel).
 * A repeat within REPEAT_MS of the first is the same interrupt, not a second one: under
 * `npx`, one Ctrl-C reaches the CLI twice (from the terminal, and forwarded by npm).
 * Any other command exits 130 at the first signal.
 */
class Interrupts {
  private readonly controller = new AbortController();
  private mode: 'loading' | 'stops-on-its-own' | 'exits-at-once' = 'loading';
  private firstSignalAtMs: number | undefined;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  listen(): void {
    for (const name of SIGNALS) process.on(name, this.onSignal);
  }

  /** Called before a command's action; a signal that came while loading is acted on here. */
  commandStarts(stopsOnItsOwn: boolean): void {
    this.mode = stopsOnItsOwn ? 'stops-on-its-own' : 'exits-at-once';
    if (!stopsOnItsOwn) throwIfAborted(this.signal);
  }

  private readonly onSignal = (name: NodeJS.Signals) => {
    // The terminal is gone after SIGHUP: a message to it must not crash the cleanup.
    if (name === 'SIGHUP') process.stderr.on('error', () => undefined);
    if (this.mode === 'exits-at-once') process.exit(EXIT.interrupted);
    if (this.signal.aborted) {
      const sinceFirstMs = performance.now() - (this.firstSignalAtMs ?? 0);
      if (sinceFirstMs < REPEAT_MS) return;
      process.exit(EXIT.interrupted);
    }
    this.firstSignalAtMs = performance.now();
    if (this.mode === 'stops-on-its-own') {
      process.stderr.write(`\n${name}: stopping, cleaning up (again to force)...\n`);
    }
    this.controller.abort(new InterruptedError(`interrupted by ${name}`));
  };
}

export const interrupts = new Interrupts();

const stopsOnItsOwn = new WeakSet<Command>();

/** Marks a command that watches `interrupts.signal` and stops cleanly by itself. */
export function stopsOnInterrupt(command: Command): Command {
  stopsOnItsOwn.add(command);
  return command;
}

export const isStoppingOnInterrupt = (command: Command) => stopsOnItsOwn.has(command);

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError(String((signal.reason as Error).message));
}
