import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError, RuntimeError } from '../../src/errors.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { DockerProvider } from '../../src/providers/docker.js';
import { memcachedBackend } from '../../src/backends/memcached.js';
import { removeLabelled } from '../../src/providers/dockerClean.js';
import { tarOf } from '../../src/providers/docker/tar.js';
import { OFFLINE_IMAGE } from '../../src/providers/dockerImages.js';
import type { ProviderContext, ProviderOptions } from '../../src/providers/provider.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { docker, dockerReady, labelled, redisCommand, redisTestSpec } from '../helpers/docker.js';

const available = await dockerReady();
const offline = (dockerNetwork: ProviderOptions['dockerNetwork']): ProviderOptions => ({
  imageSet: 'offline',
  dockerNetwork,
  targets: {},
});

function context(options: ProviderOptions, signal = new AbortController().signal) {
  const events = new EventLog();
  const ctx: ProviderContext = {
    runId: newRunId(),
    workDir: '/nonexistent',
    events,
    signal,
    options,
  };
  return ctx;
}

describe.skipIf(!available)('docker provider: containers (offline image)', () => {
  const provider = new DockerProvider();
  let runIds: string[] = [];

  afterEach(async () => {
    for (const runId of runIds)
      expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
    runIds = [];
  });

  it('starts redis with host networking; kill keeps fsynced data, restart and pause work', async () => {
    const ctx = context(offline('host'));
    runIds.push(ctx.runId);
    const started = await provider.start(redisTestSpec(), ctx);
    try {
      expect(started.provider).toBe('docker');
      expect(started.server).toEqual({ name: 'Redis', version: expect.stringMatching(/^7\./) });
      expect(started.commandLine).toContain('--network host');
      expect(started.commandLine).toContain('session-bench/offline:bookworm');
      const [node] = started.nodes;
      expect(node!.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await redisCommand(node!.endpoint, 'SET', 'k', 'v1')).toBe('+OK');
      expect((await labelled(ctx.runId)).containers).toHaveLength(1);

      let downSeen = false;
      await node!.kill(() => {
        downSeen = true;
      });
      expect(downSeen).toBe(true);
      expect(await redisCommand(node!.endpoint, 'GET', 'k')).toBe('v1');

      await node!.restart();
      expect(await redisCommand(node!.endpoint, 'GET', 'k')).toBe('v1');

      const paused = node!.pause(1_500);
      await new Promise((r) => setTimeout(r, 300));
      await expect(redisCommand(node!.endpoint, 'PING')).rejects.toThrow(/no answer/);
      await paused;
      expect(await redisCommand(node!.endpoint, 'PING')).toBe('+PONG');

      const events = ctx.events.events.map((e) => `${e.target} ${e.event}`);
      expect(events).toEqual([
        'node0 start',
        'node0 ready',
        'node0 kill',
        'node0 exited',
        'node0 start',
        'node0 ready',
        'node0 restart',
        'node0 exited',
        'node0 start',
        'node0 ready',
        'node0 paused',
        'node0 resumed',
      ]);
      expect(node!.logs().join('\n')).toMatch(/Ready to accept connections/);
    } finally {
      await started.stop();
    }
  });

  it('publishes ports on 127.0.0.1 only (bridge) and keeps them across a restart', async () => {
    const ctx = context(offline('bridge'));
    runIds.push(ctx.runId);
    const started = await provider.start(redisTestSpec({ nodes: 2 }), ctx);
    try {
      const endpoints = started.nodes.map((n) => n.endpoint);
      expect(new Set(endpoints).size).toBe(2);
      const list = await docker.listContainers({
        filters: { label: [`session-bench.run-id=${ctx.runId}`, 'session-bench.role=server'] },
      });
      expect(list).toHaveLength(2);
      for (const container of list) {
        const published = container.Ports.filter((p) => p.PublicPort);
        expect(published.length).toBeGreaterThan(0);
        for (const port of published) expect(port.IP).toBe('127.0.0.1');
      }
      await redisCommand(endpoints[1]!, 'SET', 'k', 'v2');
      await started.nodes[1]!.restart();
      expect(started.nodes[1]!.endpoint).toBe(endpoints[1]);
      expect(await redisCommand(endpoints[1]!, 'GET', 'k')).toBe('v2');
    } finally {
      await started.stop();
    }
  });

  it('bridge: the servers are on a network of their own, out of reach of other containers', async () => {
    const ctx = context(offline('bridge'));
    runIds.push(ctx.runId);
    const started = await provider.start(redisTestSpec(), ctx);
    try {
      const [server] = await docker.listContainers({
        filters: { label: [`session-bench.run-id=${ctx.runId}`, 'session-bench.role=server'] },
      });
      const networks = Object.entries(server!.NetworkSettings.Networks);
      expect(networks.map(([name]) => name)).toEqual([
        `session-bench-${ctx.runId}-redis-docker-test`,
      ]);
      const ownNetwork = networks[0]![0];
      const labels = (await docker.getNetwork(ownNetwork).inspect()) as {
        Labels: Record<string, string>;
      };
      expect(labels.Labels['session-bench.run-id']).toBe(ctx.runId);
      // Docker routes nothing between user-defined networks and the default bridge,
      // where any other container runs; asserted from the daemon's own view, so the
      // test sends no traffic to a container address (only 127.0.0.1 is a target).
      const own = (await docker.getNetwork(ownNetwork).inspect()) as {
        Driver: string;
        Containers: Record<string, unknown>;
      };
      expect(own.Driver).toBe('bridge');
      expect(Object.keys(own.Containers)).toEqual([server!.Id]);
      const defaultBridge = (await docker.getNetwork('bridge').inspect()) as {
        Containers?: Record<string, unknown>;
      };
      expect(Object.keys(defaultBridge.Containers ?? {})).not.toContain(server!.Id);
      // Its port is published on the host's loopback only.
      const inspected = await docker.getContainer(server!.Id).inspect();
      const bindings = Object.values(inspected.HostConfig.PortBindings ?? {}).flat() as {
        HostIp: string;
      }[];
      expect(bindings.length).toBeGreaterThan(0);
      expect(bindings.every((b) => b.HostIp === '127.0.0.1')).toBe(true);
    } finally {
      await started.stop();
    }
  });

  it('writes private files into a tmpfs run dir that survives a graceful restart', async () => {
    const ctx = context(offline('host'));
    runIds.push(ctx.runId);
    // The server writes a file into its tmpfs run dir through redis's own logfile.
    const spec = redisTestSpec({
      runDirInMemory: true,
      files: () => ({ 'secret.txt': 'only-root' }),
      args: (node) => [
        ...redisTestSpec().args(node, 'redis-server'),
        '--logfile',
        `${node.runDir}/redis.log`,
      ],
    });
    const started = await provider.start(spec, ctx);
    try {
      const server = (
        await docker.listContainers({
          filters: { label: [`session-bench.run-id=${ctx.runId}`, 'session-bench.role=server'] },
        })
      )[0]!;
      const container = docker.getContainer(server.Id);
      const exec = async (cmd: string[]) => {
        const run = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
        const stream = await run.start({});
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        await new Promise((r) => stream.on('end', r));
        return Buffer.concat(chunks).toString('utf8');
      };
      expect(await exec(['stat', '-c', '%a %U', '/session-bench/run/secret.txt'])).toContain(
        '600 root',
      );
      expect(await exec(['sh', '-c', 'grep " /session-bench/run " /proc/mounts'])).toContain(
        'tmpfs',
      );
      await started.nodes[0]!.restart();
      expect(
        await exec(['sh', '-c', 'grep -c "Ready to accept" /session-bench/run/redis.log']),
      ).toContain('2');
    } finally {
      await started.stop();
    }
  });

  it('a server that exits at once fails the start with its own log lines, and leaves nothing', async () => {
    const ctx = context(offline('host'));
    runIds.push(ctx.runId);
    const spec = redisTestSpec({
      args: (node) => ['--port', String(node.port), '--no-such-option', 'x'],
    });
    const error = await provider.start(spec, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).message).toMatch(/exited with code 1 before it answered/);
    expect((error as RuntimeError).logTail.join('\n')).toMatch(/no-such-option/);
  });

  it('a missing image is not available, with the offline hint; starting it fails the same way', async () => {
    process.env.SESSION_BENCH_IMAGE_REDIS = 'session-bench/does-not-exist:never';
    try {
      const check = await provider.check(redisTestSpec(), offline('host'));
      expect(check.available).toBe(false);
      expect(check.reason).toMatch(/session-bench\/does-not-exist:never is not present/);
      expect(check.reason).toMatch(/session-bench images build-offline/);
      const official = await provider.check(redisTestSpec(), {
        ...offline('host'),
        imageSet: 'official',
      });
      expect(official.reason).toMatch(/--image-set offline/);
      const ctx = context(offline('host'));
      runIds.push(ctx.runId);
      await expect(provider.start(redisTestSpec(), ctx)).rejects.toThrow(/images build-offline/);
    } finally {
      delete process.env.SESSION_BENCH_IMAGE_REDIS;
    }
  });

  it('with the offline image present, the hint says to pass --image-set offline, not to build it', async () => {
    // The tests reach no registry but their own (SESSION_BENCH_REGISTRIES=loopback), so
    // the official image is here only if someone loaded it by hand.
    const official = await provider.check(redisTestSpec(), {
      ...offline('bridge'),
      imageSet: 'official',
    });
    expect(official.available, `${official.reason} (remove the official image to run this)`).toBe(
      false,
    );
    expect(official.reason).toMatch(
      /the offline image session-bench\/offline:bookworm is present: pass `--image-set offline`/,
    );
    expect(official.reason).not.toMatch(/build/);
    // Without an image set (`list`): any set whose image is here counts, and says which.
    const any = await provider.check(redisTestSpec());
    expect(any.available).toBe(true);
    expect(any.reason).toMatch(/with `--image-set offline`/);
  });

  it('an abort while waiting for readiness removes what was created', async () => {
    const controller = new AbortController();
    const ctx = context(offline('host'), controller.signal);
    runIds.push(ctx.runId);
    // Never ready: the round trip always fails, so start waits until the abort.
    const spec = redisTestSpec({ ready: () => Promise.reject(new Error('not yet')) });
    const starting = provider.start(spec, ctx);
    setTimeout(() => controller.abort(), 1_500);
    // The one typed interrupt, so the variant is recorded aborted, not failed.
    await expect(starting).rejects.toBeInstanceOf(InterruptedError);
  });

  it('starts on an image with its own USER and ENTRYPOINT, as official images have', async () => {
    // Like memcached's official image: USER memcache, and an entrypoint of its own
    // (here one that does not exist, so using it would fail).
    const image = 'session-bench/test-official-like:1';
    const dockerfile = [
      `FROM ${OFFLINE_IMAGE}`,
      'USER memcache',
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
      'CMD ["memcached"]',
    ].join('\n');
    const build = await docker.buildImage(
      tarOf([
        { name: 'Dockerfile', mode: 0o644, content: dockerfile },
      ]) as unknown as NodeJS.ReadableStream,
      { t: image },
    );
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(build, (error: Error | null) =>
        error ? reject(error) : resolve(null),
      ),
    );
    process.env.SESSION_BENCH_IMAGE_MEMCACHED = image;
    const ctx = context({ ...offline('host'), imageSet: 'official' });
    runIds.push(ctx.runId);
    try {
      const started = await provider.start(
        memcachedBackend.serverSpec!('memcached', { nodes: 1 }),
        ctx,
      );
      try {
        expect(started.server).toEqual({
          name: 'memcached',
          version: expect.stringMatching(/^1\.6/),
        });
        expect(started.commandLine).toContain(`--entrypoint /bin/sh ${image}`);
        expect(started.commandLine).toContain('-u root');
      } finally {
        await started.stop();
      }
    } finally {
      delete process.env.SESSION_BENCH_IMAGE_MEMCACHED;
      await docker.getImage(image).remove();
    }
  });

  it('removeLabelled removes the leftovers of a run that never cleaned up', async () => {
    const ctx = context(offline('host'));
    await provider.start(redisTestSpec({ nodes: 2, runDirInMemory: true }), ctx);
    const before = await labelled(ctx.runId);
    expect(before.containers).toHaveLength(4); // two servers, two tmpfs holders
    expect(before.volumes).toHaveLength(4);
    // Only this run's: other runs on this machine are not the test's to remove.
    // This test process owns them and still runs: spared without --force.
    const spared = await removeLabelled({ runId: ctx.runId }, docker);
    expect(spared.removed).toEqual([]);
    expect(spared.spared).toHaveLength(8);
    expect(spared.spared[0]!.why).toMatch(/still in progress/);
    const dry = await removeLabelled({ runId: ctx.runId, force: true, dryRun: true }, docker);
    expect(dry.action).toBe('would remove');
    expect((await labelled(ctx.runId)).containers).toHaveLength(4);
    const removed = await removeLabelled({ runId: ctx.runId, force: true }, docker);
    expect(removed.removed.map((i) => i.kind).sort()).toEqual([
      ...Array<string>(4).fill('container'),
      ...Array<string>(4).fill('volume'),
    ]);
    expect(removed.problems).toEqual([]);
    expect(await labelled(ctx.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});
