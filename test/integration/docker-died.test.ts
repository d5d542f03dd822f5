import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { DockerProvider } from '../../src/providers/docker.js';
import type { DockerNode } from '../../src/providers/dockerNode.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { docker, dockerReady, labelled, redisTestSpec } from '../helpers/docker.js';

const available = await dockerReady();

describe.skipIf(!available)('a Docker node that dies unasked', () => {
  it('is a "died" event with its exit code; a planned kill is none', async () => {
    const events = new EventLog();
    const runId = newRunId();
    const started = await new DockerProvider().start(redisTestSpec(), {
      runId,
      workDir: '/nonexistent',
      events,
      signal: new AbortController().signal,
      options: { imageSet: 'offline', dockerNetwork: 'host', targets: {} },
    });
    const died = () => events.events.filter((e) => e.event === 'died');
    try {
      const node = started.nodes[0] as DockerNode;
      await node.kill();
      await node.restart();
      await sleep(300);
      expect(died()).toEqual([]);
      await docker.getContainer(node.containerId).kill({ signal: 'SIGKILL' });
      for (let i = 0; i < 100 && died().length === 0; i++) await sleep(20);
      expect(died()).toEqual([
        { tMs: expect.any(Number), target: 'node0', event: 'died', detail: 'code 137' },
      ]);
    } finally {
      await started.stop();
    }
    expect(died()).toHaveLength(1);
    expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});
