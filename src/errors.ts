/**
 * Typed errors used below src/cli/. The CLI maps each class to an exit code
 * (DESIGN.md: 0 ok, 1 runtime, 2 usage/config, 99 thresholds, 130 interrupted).
 */

/** Bad input from the user: a flag, a scenario file, an unknown name. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Something failed while running (a server would not start, a file could not be written). Exit 1. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    message: string,
    /** The last lines a server or the app printed, shown under the message. */
    readonly logTail: string[] = [],
  ) {
    super(message);
  }
}

/** The run was interrupted (Ctrl-C / SIGTERM). Exit 130. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
