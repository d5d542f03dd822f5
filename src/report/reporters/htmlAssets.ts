import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The code and style every HTML report inlines: Chart.js and its annotation plugin
 * from node_modules, and our own html/client.ts and html/style.css. `npm run build`
 * compiles client.ts to dist/report/reporters/html/client.js (with the DOM library,
 * tsconfig in that folder) and copies the CSS beside it; run from src/ (tsx, vitest)
 * there is no client.js, so the TypeScript is transpiled on first use.
 */

const require = createRequire(import.meta.url);
const ASSETS = new URL('./html/', import.meta.url);

/** Safe inside an inline <script>: no "</script" ends it early. */
const inlineSafe = (code: string) => code.replace(/<\/script/gi, '<\\/script');

/** The minified browser build next to a package's main file (their exports hide dist/). */
function browserBuild(pkg: string, file: string): string {
  const main = require.resolve(pkg);
  return readFileSync(path.join(path.dirname(main), file), 'utf8').replace(
    /\n\/\/# sourceMappingURL=\S+\s*$/,
    '\n',
  );
}

const readAsset = (name: string) => readFileSync(new URL(name, ASSETS), 'utf8');

function compiledClient(): string {
  try {
    return readAsset('client.js');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // From the sources: typescript is a devDependency, present wherever src/ is.
  const ts = require('typescript') as typeof import('typescript');
  return ts.transpileModule(readAsset('client.ts'), {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2022 },
  }).outputText;
}

let cached: { libraries: string; client: string; style: string } | undefined;

/** The <script> and <style> contents, read once per process. */
export function htmlAssets(): { libraries: string; client: string; style: string } {
  cached ??= {
    libraries: [
      browserBuild('chart.js', 'chart.umd.min.js'),
      browserBuild('chartjs-plugin-annotation', 'chartjs-plugin-annotation.min.js'),
    ]
      .map((code) => `<script>${inlineSafe(code)}</script>`)
      .join('\n'),
    client: inlineSafe(compiledClient()),
    style: readAsset('style.css').replace(/<\/style/gi, '<\\/style'),
  };
  return cached;
}
