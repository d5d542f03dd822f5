import { describe, expect, it } from 'vitest';
import { readAppUrl } from '../../src/config/appUrl.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';

describe("--app-url: only this machine's loopback, with a port", () => {
  it.each([
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000', 3000],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000', 3000],
    ['http://[::1]:8080', 'http://[::1]:8080', 8080],
    ['http://localhost:1', 'http://localhost:1', 1],
    ['HTTP://LOCALHOST:65535', 'http://localhost:65535', 65535],
    ['http://127.0.0.1:80', 'http://127.0.0.1:80', 80],
  ])('accepts %s', (value, url, port) => {
    expect(readAppUrl(value)).toEqual({ url, port });
  });

  it.each([
    ['http://10.0.0.5:3000', /10\.0\.0\.5 is not this machine's loopback/],
    ['http://172.17.0.2:3000', /not this machine's loopback/],
    ['http://example.com:3000', /example\.com is not this machine's loopback/],
    ['http://127.0.0.2:3000', /not this machine's loopback/],
    ['http://0.0.0.0:3000', /not this machine's loopback/],
    ['http://127.0.0.1', /needs a port/],
    ['http://127.0.0.1:0', /needs a port from 1 to 65535/],
    ['http://127.0.0.1:70000', /not a URL/],
    ['https://127.0.0.1:3000', /scheme https:\/\/ is not http/],
    ['127.0.0.1:3000', /scheme 127\.0\.0\.1:\/\/ is not http|not a URL/],
    ['http://user:pw@127.0.0.1:3000', /takes no credentials/],
    ['http://127.0.0.1:3000/app', /takes no path/],
    ['http://127.0.0.1:3000/?x=1', /takes no path/],
    ['', /expected a URL/],
    [3000, /expected a URL/],
  ])('refuses %j, naming what is allowed', (value, why) => {
    const read = readAppUrl(value);
    expect(read).toHaveProperty('problem');
    const { problem } = read as { problem: string };
    expect(problem).toMatch(why);
    expect(problem).toContain(
      'allowed: http://127.0.0.1:<port>, http://[::1]:<port> or http://localhost:<port>',
    );
  });
});

describe('the app in the plan', () => {
  it('--app-url makes the flavour external, --app-command goes with it', async () => {
    const plan = await loadPlan({
      appUrl: 'http://127.0.0.1:3000/',
      appCommand: 'node server.mjs',
    });
    expect(plan.app).toEqual({
      flavour: 'external',
      options: {},
      url: 'http://127.0.0.1:3000',
      command: 'node server.mjs',
    });
    expect((await loadPlan({})).app).toEqual({ flavour: 'builtin', options: {} });
  });

  it.each([
    [
      { appUrl: 'http://10.1.2.3:3000' },
      /app\.url \(--app-url\): 10\.1\.2\.3 is not .*got "http:\/\/10\.1\.2\.3:3000"/,
    ],
    [
      { app: 'builtin', appUrl: 'http://127.0.0.1:3000' },
      /app\.flavour \(--app\): flavour builtin and app\.url \(--app-url\) both given/,
    ],
    [
      { appCommand: 'node server.mjs' },
      /app\.command \(--app-command\): .*needs app\.url \(--app-url\)/,
    ],
    [{ appUrl: 'http://127.0.0.1:3000', appCommand: '  ' }, /app\.command \(--app-command\)/],
  ])('refuses %j by field', async (flags, message) => {
    const refused = loadPlan(flags);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(message);
  });

  it('warns before the run that app faults on an app it did not start are skipped', async () => {
    const plan = await loadPlan({
      scenario: 'smoke',
      appUrl: 'http://127.0.0.1:3000',
      faults: ['kill:app@2s'],
      scenarioFaults: 'none',
    });
    expect(plan.warnings?.join('\n')).toMatch(/kill:app@2s will be skipped: .*--app-command/);
  });
});
