import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { ResultFile } from '../../src/report/writeResult.js';
import { FIXTURE } from '../helpers/reportFixture.js';

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ResultFile', () => {
  it("never replaces another run's file, and replaces its own on each later write", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-result-file-'));
    const file = path.join(dir, 'run.json');
    await writeFile(file, 'another run');
    const error = await new ResultFile(file).write(FIXTURE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/could not write .*run\.json: EEXIST/);
    expect(await readFile(file, 'utf8')).toBe('another run');

    const own = new ResultFile(path.join(dir, 'own.json'));
    await own.write({ ...FIXTURE, status: 'partial' });
    await own.write(FIXTURE);
    expect(JSON.parse(await readFile(own.file, 'utf8'))).toMatchObject({ status: 'completed' });
    expect((await readdir(dir)).sort()).toEqual(['own.json', 'run.json']); // no temp file left
  });
});
