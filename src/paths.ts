import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package's root folder, the same from src/ (tests) and dist/ (installed). */
export const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('../', import.meta.url)));

export const SCENARIOS_DIR = path.join(PACKAGE_ROOT, 'scenarios');

/**
 * Node arguments that run a module of this package in a child process: the compiled
 * .js file, or the .ts source through tsx when the tests run from src/.
 */
export function nodeArgsFor(moduleUrl: URL): string[] {
  const file = fileURLToPath(moduleUrl);
  return file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
}

/**
 * A module next to `fromUrl` (`import.meta.url`) by name: its .ts source when running
 * from src/ (tests, through tsx), its .js file when installed.
 */
export function siblingModule(fromUrl: string, name: string): URL {
  return new URL(`./${name}${fromUrl.endsWith('.ts') ? '.ts' : '.js'}`, fromUrl);
}
