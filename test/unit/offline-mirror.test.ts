import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/build-offline-images.sh');

/** `--print-mirror` with a fake apt folder holding `files`; no root, no network. */
function printMirror(files: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const apt = mkdtempSync(path.join(os.tmpdir(), 'session-bench-apt-'));
  mkdirSync(path.join(apt, 'sources.list.d'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(apt, name), content);
  const environment: NodeJS.ProcessEnv = { ...process.env, SESSION_BENCH_APT_DIR: apt, ...env };
  if (!('SESSION_BENCH_DEBIAN_MIRROR' in env)) delete environment.SESSION_BENCH_DEBIAN_MIRROR;
  const run = spawnSync('bash', [SCRIPT, '--print-mirror'], { env: environment, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr };
}

// Reserved names (.test): what matters is which line is picked, not the host.
describe('build-offline-images.sh: the Debian mirror comes from apt or the environment', () => {
  it('reads deb822 sources, skipping stanzas of other suites and types', () => {
    const run = printMirror({
      'sources.list.d/debian.sources': [
        'Types: deb\nURIs: http://security.test/debian-security\nSuites: bookworm-security\nComponents: main',
        'Types: deb-src\nURIs: http://src.test/debian\nSuites: bookworm\nComponents: main',
        'Types: deb\nURIs: http://main.test/debian\nSuites: bookworm bookworm-updates\nComponents: main',
      ].join('\n\n'),
    });
    expect(run).toEqual({ code: 0, stdout: 'http://main.test/debian', stderr: '' });
  });

  it('reads one-line sources, with or without [options]', () => {
    expect(
      printMirror({
        'sources.list': '# comment\ndeb http://other.test/debian bullseye main\n',
        'sources.list.d/extra.list':
          'deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://list.test/debian bookworm main\n',
      }).stdout,
    ).toBe('http://list.test/debian');
    expect(
      printMirror({ 'sources.list': 'deb http://plain.test/debian bookworm main\n' }).stdout,
    ).toBe('http://plain.test/debian');
  });

  it('SESSION_BENCH_DEBIAN_MIRROR wins over apt', () => {
    const run = printMirror(
      { 'sources.list': 'deb http://plain.test/debian bookworm main\n' },
      { SESSION_BENCH_DEBIAN_MIRROR: 'http://env.test/debian' },
    );
    expect(run.stdout).toBe('http://env.test/debian');
  });

  it('with neither, it fails naming the variable, and uses no built-in host', () => {
    const run = printMirror({ 'sources.list': 'deb http://other.test/debian bullseye main\n' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/no Debian mirror for bookworm .*set SESSION_BENCH_DEBIAN_MIRROR/);
  });
});
