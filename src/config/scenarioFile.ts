import { constants, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UsageError } from '../errors.js';
import { SCENARIOS_DIR } from '../paths.js';

/** A scenario is a page of YAML; anything larger is not one (and is never read whole). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

export async function listScenarioNames(): Promise<string[]> {
  const files = await readdir(SCENARIOS_DIR);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

function scenarioPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  return looksLikePath ? path.resolve(nameOrPath) : path.join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why a path cannot be a scenario file, in words; undefined when it can. */
function notAScenarioFile(stats: Stats): string | undefined {
  if (!stats.isFile()) return `is ${kindOf(stats)}, not a scenario file`;
  if (stats.size > MAX_SCENARIO_BYTES) {
    return `is ${stats.size} bytes; a scenario file is at most ${MAX_SCENARIO_BYTES} bytes`;
  }
  return undefined;
}

async function notFound(nameOrPath: string, source: string): Promise<UsageError> {
  const known = await listScenarioNames().catch(() => []);
  return new UsageError(
    `scenario ${JSON.stringify(nameOrPath)} not found (looked for ${source}); ` +
      `shipped scenarios: ${known.join(', ')}, or give a path to a .yaml file`,
  );
}

/**
 * Reads a regular file of bounded size and nothing else: a FIFO would block for
 * ever and /dev/zero never ends, so the kind is checked before opening, and again on
 * the open handle (O_NONBLOCK: opening a FIFO swapped in meanwhile does not hang).
 */
async function readRegularFile(nameOrPath: string, source: string): Promise<string> {
  const refuse = (why: string) => new UsageError(`scenario ${source} ${why}`);
  let stats: Stats;
  try {
    stats = await stat(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw await notFound(nameOrPath, source);
    if (code === 'EACCES') throw refuse('cannot be read: permission denied');
    if (code === 'ELOOP') throw refuse('is a loop of symbolic links');
    throw refuse(`cannot be read (${code ?? 'unknown error'})`);
  }
  const problem = notAScenarioFile(stats);
  if (problem) throw refuse(problem);
  let handle;
  try {
    handle = await open(source, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw refuse(
      code === 'EACCES' ? 'cannot be read: permission denied' : `cannot be opened (${code})`,
    );
  }
  try {
    const again = notAScenarioFile(await handle.stat());
    if (again) throw refuse(again);
    const buffer = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_SCENARIO_BYTES) {
      throw refuse(`is more than ${MAX_SCENARIO_BYTES} bytes; a scenario file is at most that`);
    }
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The scenario's YAML, parsed. A parse error says where, never what the file holds
 * (the file may be anything: `--scenario /etc/shadow` must not print it).
 */
export async function readScenarioFile(
  nameOrPath: string,
): Promise<{ source: string; raw: unknown }> {
  const source = scenarioPath(nameOrPath);
  const text = await readRegularFile(nameOrPath, source);
  try {
    return { source, raw: parseYaml(text) };
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const at = error.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    throw new UsageError(
      `scenario ${source}: not valid YAML${where} (${error.code}); a scenario is a YAML mapping with name, load, faults`,
    );
  }
}
