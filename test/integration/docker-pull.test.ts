import { ProgressChannel, StderrProgress } from '../../src/runner/progress.js';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { DockerProvider } from '../../src/providers/docker.js';
import { tarOf } from '../../src/providers/docker/tar.js';
import type { ProviderOptions } from '../../src/providers/provider.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { docker, dockerReady, labelled, redisTestSpec } from '../helpers/docker.js';

const available = await dockerReady();
const sha256 = (data: Buffer | string) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * The smallest registry the daemon will pull from (API v2, one image of one layer
 * holding one file), on 127.0.0.1: the pull path of the official image set, with no
 * registry on the network. The daemon treats a loopback registry as plain HTTP.
 */
function tinyRegistry(): { server: http.Server; requests: string[] } {
  const layerTar = tarOf([{ name: 'hello.txt', mode: 0o644, content: 'pulled\n' }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: sha256(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: layer.length,
          digest: sha256(layer),
        },
      ],
    }),
  );
  const blobs = new Map([
    [sha256(config), config],
    [sha256(layer), layer],
  ]);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const url = req.url ?? '';
    let body: Buffer | undefined;
    if (url === '/v2/') body = Buffer.from('{}');
    else if (url === '/v2/session-bench/tiny/manifests/1' || url.endsWith(sha256(manifest))) {
      body = manifest;
      res.setHeader('Content-Type', 'application/vnd.docker.distribution.manifest.v2+json');
      res.setHeader('Docker-Content-Digest', sha256(manifest));
    } else {
      const digest = /^\/v2\/session-bench\/tiny\/blobs\/(sha256:[0-9a-f]+)$/.exec(url)?.[1];
      body = digest ? blobs.get(digest) : undefined;
      if (body) res.setHeader('Docker-Content-Digest', digest!);
    }
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      return;
    }
    res.setHeader('Content-Length', body.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return { server, requests };
}

describe.skipIf(!available)('docker provider: pulling an official-set image', () => {
  const registry = tinyRegistry();
  let host = '';
  const pulled: string[] = [];
  const options: ProviderOptions = { imageSet: 'official', dockerNetwork: 'host', targets: {} };

  beforeAll(async () => {
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(registry.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    delete process.env.SESSION_BENCH_IMAGE_REDIS;
    for (const image of pulled) await docker.getImage(image).remove({ force: true });
    registry.server.close();
  });

  it('pulls a missing image with progress on the run channel, then starts from it', async () => {
    const image = `${host}/session-bench/tiny:1`;
    process.env.SESSION_BENCH_IMAGE_REDIS = image;
    const provider = new DockerProvider();
    expect(await provider.check(redisTestSpec(), options)).toEqual({
      available: true,
      reason: `docker: image ${image} will be pulled`,
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // As `run` wires it: the provider emits, a listener prints (none under --quiet).
    const progress = new ProgressChannel();
    new StderrProgress({ stream: process.stderr }).listen(progress);
    const ctx = {
      runId: newRunId(),
      workDir: '/nonexistent',
      events: new EventLog(),
      signal: new AbortController().signal,
      progress,
      options,
    };
    pulled.push(image);
    let lines: string[] = [];
    try {
      // The tiny image has no shell and no redis: the pull works, the start cannot.
      await expect(provider.start(redisTestSpec(), ctx)).rejects.toThrow(
        /image .*tiny:1 cannot run redis: .*\/bin\/sh/,
      );
    } finally {
      lines = stderr.mock.calls.map((c) => String(c[0]));
      stderr.mockRestore();
    }
    expect(lines[0]).toBe(`docker: ${image} pulling...\n`);
    expect(lines.join('')).toMatch(/Pull complete/);
    expect(lines.at(-1)).toBe(`docker: ${image} pulled\n`);
    await docker.getImage(image).inspect();
    expect(registry.requests).toContain('HEAD /v2/session-bench/tiny/manifests/1');
    expect(registry.requests.filter((r) => r.includes('/blobs/'))).not.toEqual([]);
    expect(await labelled(ctx.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('an image the registry does not have: not available, and the hint names the offline set', async () => {
    const image = `${host}/session-bench/tiny:absent`;
    process.env.SESSION_BENCH_IMAGE_REDIS = image;
    const provider = new DockerProvider();
    const check = await provider.check(redisTestSpec(), options);
    expect(check.available).toBe(false);
    expect(check.reason).toMatch(/not present and cannot be pulled \(.*manifest unknown/);
    expect(check.reason).toMatch(/session-bench images build-offline/);
    const ctx = {
      runId: newRunId(),
      workDir: '/nonexistent',
      events: new EventLog(),
      signal: new AbortController().signal,
      options,
    };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(provider.start(redisTestSpec(), ctx)).rejects.toThrow(
        /cannot pull .*tiny:absent.*--image-set offline/,
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
