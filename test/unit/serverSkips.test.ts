import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipServerTests } from '../helpers/processServers.js';

/** What skipServerTests writes to stderr during `run`. */
function stderrOf(run: () => void): string {
  let written = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written;
}

describe('process-server tests that skip', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('say on stderr which server is missing and how to install it', () => {
    vi.stubEnv('CI', '');
    let skipped = false;
    const said = stderrOf(() => (skipped = skipServerTests(['mariadbd or mysqld'])));
    expect(skipped).toBe(true);
    expect(said).toContain('skipping: these tests need mariadbd or mysqld on PATH');
    expect(said).toContain('.ci/setup-servers.sh');
  });

  it('do not skip (and say nothing) in CI, or when every server is there', () => {
    vi.stubEnv('CI', 'true');
    expect(stderrOf(() => expect(skipServerTests(['memcached'])).toBe(false))).toBe('');
    vi.stubEnv('CI', '');
    expect(stderrOf(() => expect(skipServerTests([])).toBe(false))).toBe('');
  });
});
