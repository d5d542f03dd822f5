import { RuntimeError, UsageError, errorMessage } from '../errors.js';
import { SkippedFault } from '../lifecycle/faultTarget.js';
import { sleep } from '../lifecycle/childProcess.js';
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

/** A server someone else runs: it serves, but nobody here can kill or restart it. */
class ExternalNode implements StartedNode {
  constructor(
    readonly name: string,
    readonly endpoint: string,
  ) {}

  logs(): string[] {
    return [];
  }

  async stop(): Promise<void> {}

  kill(): Promise<void> {
    return this.refuse('kill');
  }

  restart(): Promise<void> {
    return this.refuse('restart');
  }

  pause(): Promise<void> {
    return this.refuse('pause');
  }

  private refuse(action: string): Promise<void> {
    return Promise.reject(
      new SkippedFault(
        `${this.name} is an external server (${this.endpoint}): nobody here to ${action} it`,
      ),
    );
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
    const nodes = targets.map((t, index) => new ExternalNode(`node${index}`, t.endpoint));
    const server = await this.identify(spec, nodes, ctx.signal);
    for (const node of nodes) ctx.events.record(node.name, 'ready', `external ${node.endpoint}`);
    return {
      provider: 'external',
      nodes,
      server,
      commandLine: `external ${urls.map(redactUrl).join(' ')}`,
      detail: 'servers run by someone else: node faults are skipped',
      stop: async () => {},
    };
  }

  /** A protocol round trip per node, retried while it may be starting; a wrong URL fails here. */
  private async identify(
    spec: ServerSpec,
    nodes: ExternalNode[],
    signal: AbortSignal,
  ): Promise<{ name: string; version: string }> {
    for (const node of nodes) {
      const deadline = performance.now() + READY_TIMEOUT_MS;
      for (;;) {
        try {
          await withTimeout(spec.ready(node.endpoint, spec.settings), READY_ATTEMPT_MS, 'ready');
          break;
        } catch (error) {
          if (signal.aborted || performance.now() > deadline) {
            throw new RuntimeError(
              `external ${spec.backend} at ${node.endpoint} does not answer: ${errorMessage(error)}`,
            );
          }
          await sleep(250);
        }
      }
    }
    return { name: spec.backend, version: 'unknown (external)' };
  }
}

export const externalProvider = new ExternalProvider();
