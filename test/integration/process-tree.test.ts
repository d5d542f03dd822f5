import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { childPidsOf, isAlive, signalEach } from '../../src/lifecycle/processTree.js';
import { ProcessNode } from '../../src/providers/processNode.js';

/** A parent whose two children each run in a session of their own, as PostgreSQL's backends do. */
const FAMILY = ['-c', 'setsid sleep 300 & setsid sleep 300 & wait'];

function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

async function childrenOf(pid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const children = childPidsOf(pid);
    if (children.length >= count) return children;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${pid} has fewer than ${count} children`);
}

describe('a server that forks children in sessions of their own (withChildren)', () => {
  const nodes: ProcessNode[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      // sh does not pass SIGTERM on: its sleeps are ended here, by pid.
      const left = node.pid ? childPidsOf(node.pid) : [];
      await node.stop();
      signalEach(left, 'SIGKILL');
    }
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function family(withChildren: boolean): Promise<ProcessNode> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-tree-'));
    dirs.push(dir);
    const node = new ProcessNode({
      name: 'node0',
      binary: '/bin/sh',
      args: FAMILY,
      port: 1,
      wrapper: [],
      nodeDir: dir,
      ready: async () => {},
      stopSignal: 'SIGTERM',
      startTimeoutMs: 5_000,
      restartInNextSecond: false,
      withChildren,
      events: new EventLog(),
    });
    nodes.push(node);
    await node.start();
    return node;
  }

  it('pause stops the children too (a process group would miss them), and resumes them', async () => {
    const node = await family(true);
    const children = await childrenOf(node.pid!, 2);
    const paused = node.pause(300);
    await new Promise((r) => setTimeout(r, 100));
    expect([stateOf(node.pid!), ...children.map(stateOf)]).toEqual(['T', 'T', 'T']);
    await paused;
    expect([stateOf(node.pid!), ...children.map(stateOf)]).not.toContain('T');
  });

  it('without it, pause stops the parent only (what PostgreSQL would do: backends keep serving)', async () => {
    const node = await family(false);
    const children = await childrenOf(node.pid!, 2);
    const paused = node.pause(300);
    await new Promise((r) => setTimeout(r, 100));
    expect(stateOf(node.pid!)).toBe('T');
    expect(children.map(stateOf)).not.toContain('T');
    await paused;
  });

  it('kill leaves no child of the old process alive before it starts again', async () => {
    const node = await family(true);
    const children = await childrenOf(node.pid!, 2);
    await node.kill();
    expect(children.filter(isAlive)).toEqual([]);
    expect(node.pid).toBeDefined();
  });
});
