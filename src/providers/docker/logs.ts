import type Docker from 'dockerode';
import { errorMessage } from '../../errors.js';

/** Splits a non-TTY log buffer (8-byte frame headers) into stdout and stderr text. */
export function demuxLogs(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** The last `lines` lines a container printed (stdout and stderr), for error messages. */
export async function containerLogTail(container: Docker.Container, lines = 40): Promise<string[]> {
  try {
    const raw = (await container.logs({
      stdout: true,
      stderr: true,
      tail: lines,
      follow: false,
    })) as unknown as Buffer;
    const { stdout, stderr } = demuxLogs(raw);
    return `${stdout}${stderr}`.split('\n').filter((l) => l.trim() !== '');
  } catch (error) {
    return [`(could not read the container's logs: ${errorMessage(error)})`];
  }
}
