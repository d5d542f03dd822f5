import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, type RunOverrides } from '../../src/config/loadPlan.js';
import { MAX_SCENARIO_BYTES } from '../../src/config/scenarioFile.js';
import { redactPlanTargets } from '../../src/config/targetUrl.js';
import { UsageError } from '../../src/errors.js';
import { redactUrl } from '../../src/redactUrl.js';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'session-bench-input-'));

async function scenarioFile(text: string): Promise<string> {
  const file = path.join(await tempDir(), 'scenario.yaml');
  await writeFile(file, text);
  return file;
}

async function refusal(flags: RunOverrides): Promise<string> {
  const error = await loadPlan(flags).catch((e: unknown) => e);
  expect(error, JSON.stringify(flags)).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

const smoke = (flags: RunOverrides) => refusal({ scenario: 'smoke', ...flags });

describe('durations are bounded to what the tool can honour', () => {
  it('a load runs from 1 s to 24 h, and says so', async () => {
    for (const duration of ['0s', '1ms', '999ms', '25h', '99999999999999999999h']) {
      expect(await smoke({ duration })).toMatch(
        /load\.duration \(--duration\): expected a duration .* from 1s to 24h/,
      );
    }
    expect((await loadPlan({ scenario: 'smoke', duration: '1s' })).load.durationMs).toBe(1000);
  });

  it('a pause cannot outgrow Node timers; a fault outside the load names it in seconds', async () => {
    expect(await smoke({ faults: ['pause:app@1s:600h'] })).toMatch(
      /faults\.0\.duration \(--fault pause:app@1s:600h\): .* from 1ms to 24h/,
    );
    expect(await smoke({ faults: ['pause:app@1s:10s'] })).toMatch(
      /--fault pause:app@1s:10s ends at 11s, after the load ends at 5s/,
    );
  });

  it('names the allowed forms of `at` instead of "Invalid input"', async () => {
    expect(await smoke({ faults: ['kill:app@3'] })).toMatch(
      /faults\.0\.at .*expected random or a duration with its unit .*a number needs a unit, e.g\. 3s/,
    );
    expect(await smoke({ faults: ['kill:app@-1s'] })).toMatch(/cannot be negative/);
    expect(await smoke({ faults: ['kill:app@-1s'] })).not.toMatch(/Invalid input/);
  });

  it('refuses timeout 0s, every 0s and a repeat shorter than the fault', async () => {
    const zeroTimeout = await scenarioFile('name: t\nload: { duration: 5s, timeout: 0s }\n');
    expect(await refusal({ scenario: zeroTimeout })).toMatch(
      /load\.timeout: expected a duration .* from 100ms to 10m, got "0s"/,
    );
    const everyZero = await scenarioFile(
      'name: e\nload: { duration: 10s }\nfaults:\n  - { at: 1s, every: 0s, count: 3, action: kill, target: app }\n',
    );
    expect(await refusal({ scenario: everyZero })).toMatch(
      /faults\.0\.every \(scenario file\): expected a duration .* from 1s to 24h/,
    );
    const overlapping = await scenarioFile(
      'name: o\nload: { duration: 20s }\nfaults:\n  - { at: 1s, every: 2s, count: 3, action: pause, target: app, duration: 3s }\n',
    );
    expect(await refusal({ scenario: overlapping })).toMatch(
      /every.*longer than the fault's duration/,
    );
  });

  it('refuses a fixed-rate load that would send no request', async () => {
    expect(await smoke({ rate: '0.1', duration: '1s' })).toMatch(/sends no request/);
  });
});

describe('scenario faults and flags', () => {
  it('--duration shorter than a scenario fault drops it with a warning instead of exit 2', async () => {
    for (const flags of [{ duration: '10s' }, { mode: 'saturation', duration: '10s' }]) {
      const plan = await loadPlan(flags);
      expect(plan.faults).toEqual([]);
      expect(plan.warnings).toEqual([
        expect.stringMatching(
          /scenario default's fault kill:store@12s fires at 12s, after the load ends at 10s \(--duration 10s\): dropped/,
        ),
      ]);
    }
  });

  it('a scenario fault outside its own load is refused, naming the file', async () => {
    const file = await scenarioFile(
      'name: late\nload: { duration: 5s }\nfaults:\n  - { at: 8s, action: kill, target: app }\n',
    );
    expect(await refusal({ scenario: file })).toMatch(
      new RegExp(
        `scenario ${file}: faults\\.0 of the file \\(kill:app@8s\\) fires at 8s, after the load ends at 5s \\(load\\.duration of the file\\)`,
      ),
    );
  });

  it('--faults none drops the scenario faults, --fault still adds', async () => {
    const pool = await loadPlan({
      backends: 'memcached',
      nodes: '3',
      faults: ['kill:node1@10s'],
      scenarioFaults: 'none',
    });
    expect(pool.faults).toEqual([{ atMs: 10_000, action: 'kill', target: 'node1' }]);
    expect(pool.warnings).toBeUndefined();
    expect((await loadPlan({ scenarioFaults: 'none' })).faults).toEqual([]);
    expect(await refusal({ scenarioFaults: 'some' })).toMatch(
      /--faults "some" is not known; allowed: none/,
    );
  });

  it('a target the topology does not have is refused before the run, with the allowed ones', async () => {
    expect(await smoke({ faults: ['kill:app7@2s'] })).toMatch(
      /--fault kill:app7@2s: no app7 in this run: it has 1 app instance .*targets: app, app0, node0, store, all, random/,
    );
    expect(await smoke({ faults: ['kill:node5@2s'] })).toMatch(
      /no node5 in this run: it has 1 node per server \(--nodes\)/,
    );
    const huge = await smoke({ faults: [`kill:node${'9'.repeat(30)}@2s`] });
    expect(huge).toMatch(/no node9{8}… in this run/);
    expect(huge.length).toBeLessThan(400);
    const three = await loadPlan({ scenario: 'smoke', nodes: '3', faults: ['kill:node2@2s'] });
    expect(three.faults[0]!.target).toBe('node2');
  });

  it('--rate in saturation mode is refused, not ignored', async () => {
    expect(await smoke({ mode: 'saturation', rate: '500' })).toMatch(
      /--rate sets the arrival rate of fixed mode; saturation mode .* has no rate/,
    );
  });

  it('a variant listed twice is refused, naming where', async () => {
    expect(await smoke({ backends: 'memory,disk,memory' })).toMatch(
      /--backends lists memory twice/,
    );
  });
});

describe('--target is checked by its shape before the run, and its password never shown', () => {
  const target = (spec: string) =>
    smoke({ provider: 'external', backends: 'redis', targets: [spec] });

  it('refuses a port out of range, an unknown backend and a non-URL', async () => {
    expect(await target('redis=redis://127.0.0.1:99999')).toMatch(
      /port 99999 is out of range; a port is 1 to 65535/,
    );
    expect(await target('redis=127.0.0.1:0')).toMatch(/port 0 is out of range/);
    expect(await target('sqlite=sqlite://127.0.0.1:5432')).toMatch(
      /"sqlite" is not a backend that runs as a server; --target takes redis, memcached, mysql, postgres/,
    );
    expect(await target('postgres=mysql://127.0.0.1:5432')).toMatch(
      /scheme mysql:\/\/ does not fit postgres/,
    );
    expect(await target('redis=notaurl')).toMatch(
      /--target redis=notaurl: not a URL or host:port; expected redis:\/\/host:port/,
    );
    expect(await target('redis=http://127.0.0.1:6379')).toMatch(
      /scheme http:\/\/ does not fit redis/,
    );
  });

  it('redacts credentials in errors and in the plan a result records', async () => {
    const message = await target('mysql=mysql://root:hunter2@127.0.0.1:99999/db');
    expect(message).toContain('mysql://root:***@127.0.0.1:99999');
    expect(message).not.toContain('hunter2');
    const plan = await loadPlan({
      scenario: 'smoke',
      provider: 'external',
      targets: ['mysql=mysql://root:hunter2@127.0.0.1:3306/db', 'redis=redis://:pw@[::1]:6379'],
    });
    expect(plan.targets.mysql).toEqual(['mysql://root:hunter2@127.0.0.1:3306/db']);
    expect(redactPlanTargets(plan).targets).toEqual({
      mysql: ['mysql://root:***@127.0.0.1:3306/db'],
      redis: ['redis://:***@[::1]:6379'],
    });
    expect(redactUrl('external mysql://a:b@h:1 redis://h:2')).toBe(
      'external mysql://a:***@h:1 redis://h:2',
    );
  });
});

describe('a scenario path is read only when it is a bounded regular file', () => {
  it('names a directory, a FIFO and a device instead of "not found" or hanging', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'folder.yaml'));
    expect(await refusal({ scenario: path.join(dir, 'folder.yaml') })).toMatch(
      /is a directory, not a scenario file/,
    );
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal({ scenario: fifo })).toMatch(
      /is a named pipe \(FIFO\), not a scenario file/,
    );
    const zero = path.join(dir, 'zero.yaml');
    await symlink('/dev/zero', zero);
    expect(await refusal({ scenario: zero })).toMatch(/is a character device, not a scenario file/);
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, `name: big\ndescription: ${'x'.repeat(MAX_SCENARIO_BYTES)}\n`);
    expect(await refusal({ scenario: big })).toMatch(/a scenario file is at most 1048576 bytes/);
    expect(await refusal({ scenario: path.join(dir, 'none.yaml') })).toMatch(/not found/);
  });

  it('never echoes the contents of a file that is not a scenario', async () => {
    const shadowLike = await scenarioFile(
      'root:$y$j9T$secrethash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nname: x\n',
    );
    const message = await refusal({ scenario: shadowLike });
    expect(message).toMatch(
      /a key that is not a field name \(not shown\) \(and 1 more\); allowed: name/,
    );
    expect(message).not.toMatch(/secrethash|daemon/);
    const oneTypo = await scenarioFile('name: x\ncolour: blue\nsize: 3\n');
    expect(await refusal({ scenario: oneTypo })).toMatch(/unknown field "colour" \(and 1 more\)/);
    const badYaml = await scenarioFile('password: hunter2\n  nested: : x\n');
    const yamlMessage = await refusal({ scenario: badYaml });
    expect(yamlMessage).toMatch(/not valid YAML at line \d+, column \d+/);
    expect(yamlMessage).not.toContain('hunter2');
  });
});
