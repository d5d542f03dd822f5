import { constants } from 'node:fs';
import { access, mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, errorMessage } from '../errors.js';

/**
 * Kernel views that look like folders but hold no files (statfs magic numbers):
 * writing there fails, and a recursive mkdir under /proc never returns.
 */
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x1cd1: 'devpts',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
  0x65735543: 'fusectl',
  0x6e736673: 'nsfs',
};

/**
 * `run --out`: checked before anything starts, so a typo does not cost the run.
 * The folder exists or is created, is a folder on a regular filesystem, and takes a
 * file. Returns its absolute path; a UsageError names what is wrong.
 */
export async function prepareOutFolder(dir: string, flag = '--out'): Promise<string> {
  if (dir.trim() === '') throw new UsageError(`${flag} is empty: give a folder for the result`);
  const absolute = path.resolve(dir);
  await refusePseudoFilesystem(absolute, flag);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`${flag} ${dir} is not a folder (it is a file)`);
  }
  if (!existing) {
    await mkdir(absolute, { recursive: true }).catch((error: unknown) => {
      throw new UsageError(`${flag} ${dir} cannot be created: ${errorMessage(error)}`);
    });
  }
  // access() says yes to root on a read-only mount: only a real write tells.
  const probe = path.join(absolute, `.session-bench-probe-${process.pid}`);
  try {
    await writeFile(probe, '');
  } catch (error) {
    throw new UsageError(`${flag} ${dir} is not writable: ${errorMessage(error)}`);
  } finally {
    await rm(probe, { force: true });
  }
  return absolute;
}

/** `report --out` / `compare --out`: a file name in a folder that exists and takes files. */
export async function checkOutFile(file: string, flag = '--out'): Promise<void> {
  if (file.trim() === '') throw new UsageError(`${flag} is empty: give a file name`);
  const absolute = path.resolve(file);
  await refusePseudoFilesystem(absolute, flag);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new UsageError(`${flag} ${file} is a folder: give a file name`);
  }
  const parent = path.dirname(absolute);
  const folder = await stat(parent).catch(() => undefined);
  if (folder && !folder.isDirectory()) {
    throw new UsageError(`${flag} ${file}: ${parent} is not a folder`);
  }
  if (folder) {
    await access(parent, constants.W_OK).catch((error: unknown) => {
      throw new UsageError(`${flag} ${file}: ${parent} is not writable: ${errorMessage(error)}`);
    });
  }
}

/** The nearest existing folder at or above `absolute` must be on a regular filesystem. */
async function refusePseudoFilesystem(absolute: string, flag: string): Promise<void> {
  let place = absolute;
  for (;;) {
    const info = await statfs(place).catch(() => undefined);
    if (info) {
      const kind = PSEUDO_FILESYSTEMS[Number(info.type)];
      if (kind) throw new UsageError(`${flag} ${absolute} is on ${kind}, not a regular filesystem`);
      return;
    }
    const parent = path.dirname(place);
    if (parent === place) return;
    place = parent;
  }
}
