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

/**
 * The run was interrupted (Ctrl-C, SIGTERM, SIGHUP). Exit 130. The one way an
 * interrupt travels: whoever notices it (a start, the warm-up, a fault) throws this.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** Throws InterruptedError when the signal has fired: a check before each step that starts something. */
export function throwIfInterrupted(signal: AbortSignal | undefined, doing?: string): void {
  if (signal?.aborted) throw new InterruptedError(doing ? `interrupted ${doing}` : undefined);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
