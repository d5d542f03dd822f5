import { describe, expect, it } from 'vitest';
import { registryHost, registryRefused } from '../../src/providers/dockerImages.js';

describe('registry lookups limited to this machine', () => {
  it('names the registry of an image', () => {
    expect(registryHost('redis:7.4.2')).toBe('docker.io');
    expect(registryHost('session-bench/offline:bookworm')).toBe('docker.io');
    expect(registryHost('127.0.0.1:5000/tiny:1')).toBe('127.0.0.1');
    expect(registryHost('localhost:5000/tiny')).toBe('localhost');
    expect(registryHost('registry.invalid/x:1')).toBe('registry.invalid');
  });

  it('with SESSION_BENCH_REGISTRIES=loopback, refuses every registry but this machine', () => {
    const env = { SESSION_BENCH_REGISTRIES: 'loopback' };
    expect(registryRefused('redis:7.4.2', env)).toMatch(/docker\.io not asked/);
    expect(registryRefused('registry.invalid/x:1', env)).toMatch(/registry\.invalid not asked/);
    expect(registryRefused('127.0.0.1:5000/tiny:1', env)).toBeUndefined();
    expect(registryRefused('redis:7.4.2', {})).toBeUndefined();
  });

  it('is on for every test (vitest.config.ts)', () => {
    expect(process.env.SESSION_BENCH_REGISTRIES).toBe('loopback');
  });
});
