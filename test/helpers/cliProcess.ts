import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../../src/result/result.js';

const CLI = path.resolve('src/cli/main.ts');

export interface CliExit {
  code: number | null;
  /** The signal that ended it, when it did not exit by itself. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from the signal sent by `signalAfter` to the exit (undefined: none sent). */
  exitAfterSignalMs?: number;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Variables of this process's environment the CLI must not inherit. */
  withoutEnv?: string[];
  /** Killed (SIGKILL) after this long: a hanging CLI fails its test, it does not stay. */
  timeoutMs?: number;
  /** Sends this signal when `when` resolves (given the child's pid and stderr so far). */
  signalAfter?: {
    signal: NodeJS.Signals;
    when: (stderr: () => string, pid: number) => Promise<void>;
    /** Sends it once more this long after the first (one Ctrl-C delivered twice, as npx does). */
    repeatAfterMs?: number;
  };
}

/** Runs the CLI as a user does (a child process) and collects its output and exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliExit> {
  return new Promise((resolve) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !options.withoutEnv?.includes(k)),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: 'pipe',
      env: { ...inherited, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let signalledAt: number | undefined;
    const deadline = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const sender = options.signalAfter;
    if (sender) {
      void sender
        .when(() => stderr, child.pid!)
        .then(() => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          signalledAt = performance.now();
          child.kill(sender.signal);
          if (sender.repeatAfterMs !== undefined) {
            setTimeout(() => child.kill(sender.signal), sender.repeatAfterMs);
          }
        });
    }
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ...(signalledAt === undefined
          ? {}
          : { exitAfterSignalMs: performance.now() - signalledAt }),
      });
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `when` for signalAfter: `ms` after the CLI printed `text` on stderr. */
export const afterPrinted =
  (text: string, ms = 0) =>
  async (stderr: () => string) => {
    await until(async () => stderr().includes(text));
    await sleep(ms);
  };

/** Polls `condition` every 50 ms until it holds. */
export async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The result files in a folder (`.json`), parsed. */
export async function resultsIn(dir: string): Promise<{ file: string; result: RunResult }[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  return Promise.all(
    files.map(async (f) => ({
      file: path.join(dir, f),
      result: JSON.parse(await readFile(path.join(dir, f), 'utf8')) as RunResult,
    })),
  );
}

/** The run's own temp folders still in the OS temp dir (`session-bench-<runId>-*`). */
export async function tempFoldersOf(runId: string): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((f) => f.startsWith(`session-bench-${runId}-`));
}

/**
 * Whether a process has a handler for SIGHUP (from /proc/<pid>/status). Node catches
 * SIGINT and SIGTERM itself from its first ms, but SIGHUP only once the CLI listens:
 * the moment its interrupt handlers are in place.
 */
export function catchesSighup(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return (BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'}`) & 1n) === 1n;
  } catch {
    return false;
  }
}
