import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The versions of installed npm packages, read from their package.json where Node
 * would load them from (never typed in). Each package is looked up from the folder
 * of the one before it, so a store's own client (express-mysql-session's pinned
 * mysql2) is the one it really loads. Found by folder, since some packages'
 * `exports` do not expose their package.json.
 */
export function installedVersions(names: string[]): { name: string; version: string }[] {
  let from = import.meta.url;
  return names.map((name) => {
    const require = createRequire(from);
    for (const dir of require.resolve.paths(name) ?? []) {
      const file = path.join(dir, name, 'package.json');
      if (!existsSync(file)) continue;
      from = file;
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
      return { name, version: version ?? 'unknown' };
    }
    return { name, version: 'not installed' };
  });
}
