import { errorMessage } from '../errors.js';

/**
 * Owns everything a run starts. Disposed in reverse order on success, error and
 * interrupt; one failing step does not stop the others.
 */
export class CleanupStack {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];

  push(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Returns the problems met, so the caller can report them without losing results. */
  async dispose(): Promise<string[]> {
    const problems: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        problems.push(`${step.name}: ${errorMessage(error)}`);
      }
    }
    return problems;
  }
}
