import { RuntimeError, UsageError, errorMessage } from '../errors.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { UntouchableTarget } from '../lifecycle/faultTarget.js';
import { NotReadyError, waitReady } from '../lifecycle/waitReady.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import {
  DEFAULT_PROVIDER_OPTIONS,
  type Provider,
  type ProviderContext,
  type ProviderOptions,
  type Started,
  type StartedNode,
} from './provider.js';
import { type ServerSpec } from '../backends/serverSpec.js';
import { parseTargetUrl } from '../config/targetUrl.js';
import { redactUrl } from '../redactUrl.js';

/** Servers just brought up (docker compose up -d) may take this long to answer. */
const READY_TIMEOUT_MS = 30_000;
const READY_ATTEMPT_MS = 5_000;
const READY_POLL_MS = 250;
/** Removing a run's keys or table from one node may take this long (a big keyspace to scan). */
const REMOVE_RUN_DATA_MS = 30_000;

/** A server someone else runs: it serves, but nobody here can kill or restart it. */
class ExternalNode extends UntouchableTarget implements StartedNode {
  constructor(
    readonly name: string,
    readonly endpoint: string,
  ) {
    super();
  }

  logs(): string[] {
    return [];
  }

  async stop(): Promise<void> {}

  protected whyNot(action: string): string {
    return `${this.name} is an external server (${this.endpoint}): nobody here to ${action} it`;
  }
}

/**
 * Servers the user runs (docker compose, a staging box): `--target backend=URL`,
 * repeatable for a pool. Nothing is started or stopped; faults on its nodes are
 * skipped, faults on the app still run.
 */
export class ExternalProvider implements Provider {
  readonly name = 'external' as const;

  async check(
    spec: ServerSpec,
    options: ProviderOptions = DEFAULT_PROVIDER_OPTIONS,
  ): Promise<{ available: boolean; reason: string }> {
    if (spec.topology) {
      return {
        available: false,
        reason: `external: ${spec.variant} starts a ${spec.topology.kind} topology of its own; --target gives single servers`,
      };
    }
    const urls = options.targets[spec.backend] ?? [];
    if (urls.length === 0) {
      return { available: false, reason: `no --target ${spec.backend}=URL given` };
    }
    return { available: true, reason: `external: ${urls.map(redactUrl).join(', ')}` };
  }

  async start(spec: ServerSpec, ctx: ProviderContext): Promise<Started> {
    const urls = (ctx.options ?? DEFAULT_PROVIDER_OPTIONS).targets[spec.backend] ?? [];
    if (urls.length === 0) {
      throw new UsageError(`--provider external needs --target ${spec.backend}=URL`);
    }
    const targets = urls.map((url) => parseTargetUrl(spec.backend, url));
    // The URL's credentials replace the ones generated for a server we would start;
    // the runner hands spec.settings to the store.
    Object.assign(spec.settings, ...targets.map((t) => t.settings));
    // The user's server holds other data: this run writes under names carrying the
    // run id (a key prefix, a table) and removes them when it stops.
    Object.assign(spec.settings, spec.runData?.settings(ctx.runId));
    const nodes = targets.map((t, index) => new ExternalNode(`node${index}`, t.endpoint));
    const server = await this.identify(spec, nodes, ctx.signal);
    for (const node of nodes) ctx.events.record(node.name, 'ready', `external ${node.endpoint}`);
    return {
      provider: 'external',
      nodes,
      server,
      commandLine: `external ${urls.map(redactUrl).join(' ')}`,
      detail: 'servers run by someone else: node faults are skipped',
      stop: () => removeRunData(spec, nodes, ctx.events),
    };
  }

  /** A protocol round trip per node, retried while it may be starting; a wrong URL fails here. */
  private async identify(
    spec: ServerSpec,
    nodes: ExternalNode[],
    signal: AbortSignal,
  ): Promise<{ name: string; version: string }> {
    for (const node of nodes) {
      try {
        await waitReady({
          what: `external ${spec.backend} at ${node.endpoint}`,
          probe: () => spec.ready(node.endpoint, spec.settings),
          intervalMs: READY_POLL_MS,
          attemptTimeoutMs: READY_ATTEMPT_MS,
          deadlineMs: READY_TIMEOUT_MS,
          signal,
        });
      } catch (error) {
        if (!(error instanceof NotReadyError)) throw error;
        throw new RuntimeError(
          `external ${spec.backend} at ${node.endpoint} does not answer: ${error.lastProblem}`,
        );
      }
    }
    return { name: spec.backend, version: 'unknown (external)' };
  }
}

/**
 * Removes what the run wrote on the user's servers, one bounded attempt per node; the
 * event log says what was removed. Throws when something stays behind, so the
 * variant's reason names it.
 */
async function removeRunData(spec: ServerSpec, nodes: StartedNode[], events: EventLog) {
  const runData = spec.runData;
  if (!runData) return;
  const problems: string[] = [];
  for (const node of nodes) {
    try {
      const what = `removing the run's data from ${node.name}`;
      const done = await withTimeout(
        runData.remove(node.endpoint, spec.settings),
        REMOVE_RUN_DATA_MS,
        what,
      );
      events.record(node.name, 'cleaned', done);
    } catch (error) {
      events.record(node.name, 'cleanup failed', errorMessage(error));
      problems.push(`${node.name} (${node.endpoint}): ${errorMessage(error)}`);
    }
  }
  if (problems.length > 0) {
    throw new RuntimeError(
      `the run's data stays on the external ${spec.backend}: ${problems.join('; ')}`,
    );
  }
}

export const externalProvider = new ExternalProvider();
