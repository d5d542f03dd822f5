/**
 * Ctrl-C or SIGTERM aborts the run: the runner stops the load, skips what is left,
 * stops everything it started and writes the result as "aborted". A second Ctrl-C
 * exits at once (children still go: they watch their IPC channel).
 */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${name}: stopping, cleaning up (again to force)...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
