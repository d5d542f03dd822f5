/** Runs `work` for users 0..users-1 with at most `concurrency` at a time. */
export async function forEachUser(
  users: number,
  concurrency: number,
  signal: AbortSignal,
  work: (user: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < users && !signal.aborted) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users) }, worker));
}
