import { appendFile } from 'node:fs/promises';
import type { RunResult } from '../../result/result.js';
import { renderMarkdown } from './md.js';

/**
 * The GitHub Actions step summary as a reporter: the Markdown of a run (or of a
 * comparison), appended to the file `$GITHUB_STEP_SUMMARY` names, which the run's
 * page shows. Nothing happens when the variable is not set.
 */
export const stepSummaryReporter = {
  render: renderMarkdown,
  /** Appends `markdown`; returns the file written, or undefined outside GitHub Actions. */
  async append(
    markdown: string,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<string | undefined> {
    const file = env.GITHUB_STEP_SUMMARY;
    if (!file) return undefined;
    await appendFile(file, `${markdown}\n`);
    return file;
  },
  /** Renders the run and appends it. */
  write(result: RunResult, env: NodeJS.ProcessEnv = process.env) {
    return stepSummaryReporter.append(renderMarkdown(result), env);
  },
};
