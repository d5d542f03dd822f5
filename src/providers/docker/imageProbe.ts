import type Docker from 'dockerode';
import { InterruptedError, RuntimeError } from '../../errors.js';
import { shellWord } from '../../lifecycle/shellQuote.js';
import type { ServerSpec } from '../../backends/serverSpec.js';
import { dockerMessage } from './client.js';
import { runOnce } from './runOnce.js';

const BINARY_MARK = '@@session-bench-binary ';
const PROBE_TIMEOUT_MS = 60_000;

export interface ImageProbe {
  binary: string;
  server: { name: string; version: string };
  /** What `binary ...versionArgs` printed. */
  versionOutput: string;
}

export function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? text).trim();
}

/** Which of a spec's binaries an image has, and its version; cached per image. */
export class ImageProbes {
  private readonly probes = new Map<string, Promise<ImageProbe>>();

  constructor(private readonly docker: () => Docker) {}

  get(
    image: string,
    spec: ServerSpec,
    labels: Record<string, string>,
    signal: AbortSignal,
  ): Promise<ImageProbe> {
    const key = `${image}\0${spec.binaries.join(',')}\0${spec.versionArgs.join(' ')}`;
    let probe = this.probes.get(key);
    if (!probe) {
      probe = this.run(image, spec, labels, signal);
      probe.catch(() => this.probes.delete(key));
      this.probes.set(key, probe);
    }
    return probe;
  }

  private async run(
    image: string,
    spec: ServerSpec,
    labels: Record<string, string>,
    signal: AbortSignal,
  ): Promise<ImageProbe> {
    const versionArgs = spec.versionArgs.map(shellWord).join(' ');
    const script =
      `for b in "$@"; do if command -v "$b" >/dev/null 2>&1; then ` +
      `echo "${BINARY_MARK}$b"; exec "$b" ${versionArgs}; fi; done; ` +
      `echo "none of $* is in this image" >&2; exit 127`;
    let answer: Awaited<ReturnType<typeof runOnce>>;
    try {
      answer = await runOnce(this.docker(), {
        image,
        script,
        args: spec.binaries,
        labels,
        timeoutMs: PROBE_TIMEOUT_MS,
        signal,
      });
    } catch (error) {
      // E.g. an image without /bin/sh: the daemon cannot even start the probe.
      if (error instanceof RuntimeError || error instanceof InterruptedError) throw error;
      throw new RuntimeError(
        `docker: image ${image} cannot run ${spec.backend}: ${firstLine(dockerMessage(error))}`,
      );
    }
    const { exitCode, stdout, stderr } = answer;
    const mark = stdout.indexOf(BINARY_MARK);
    if (exitCode !== 0 || mark < 0) {
      throw new RuntimeError(
        `docker: image ${image} cannot run ${spec.backend}: ` +
          `${spec.binaries.join(' / ')} --version exited with ${exitCode}`,
        `${stdout}${stderr}`.split('\n').filter(Boolean),
      );
    }
    const rest = stdout.slice(mark + BINARY_MARK.length);
    const binary = rest.slice(0, rest.indexOf('\n')).trim();
    const output = rest.slice(rest.indexOf('\n') + 1) || stderr;
    return { binary, server: spec.parseVersion(output, binary), versionOutput: output };
  }
}
