/**
 * The map of src/: each layer may import only the layers below it (ARCHITECTURE.md
 * draws it). `npm test` runs this; a new upward import, a cycle or an orphan fails it.
 * To change the map, change LAYERS on purpose and say why in the commit.
 */
const LAYERS = [
  ['cli'],
  // The claims scenario: one run per claim of the seed post, and the verdicts.
  ['claims'],
  ['runner'],
  ['app', 'faults'],
  ['audit'],
  // The database's other work (a child process); the runner starts it beside the load.
  ['neighbor'],
  ['load', 'providers'],
  // The fault proxy: the runner places it, faults drive it; it knows no backend or load.
  ['network'],
  ['backends'],
  ['report'],
  ['lifecycle'],
  ['result'],
  ['config'],
  // Root files (errors, paths, version, random) and type declarations: used by all.
  ['[^/]+\\.ts$', 'types'],
];

const folder = (name) => (name.endsWith('$') ? `^src/${name}` : `^src/${name}/`);

/** One rule per layer: nothing in it imports a layer above it. */
const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-from-${layer[0].replace(/[^a-z]/g, '') || 'root'}`,
  comment: `${layer.join(', ')} may not import ${LAYERS.slice(0, i + 1)
    .flat()
    .join(', ')} (a higher layer)`,
  severity: 'error',
  from: { path: layer.map(folder) },
  to: {
    path: LAYERS.slice(0, i + 1)
      .flat()
      .map(folder),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules that import each other, directly or through others',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'a module nothing imports is dead code (entry points excepted)',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: [
          '^src/cli/main\\.ts$',
          '^src/app/main\\.ts$',
          '^src/network/proxyMain\\.ts$',
          // A generator worker of --workers N: spawned by workerPool.ts.
          '^src/runner/workers/workerMain\\.ts$',
          '\\.d\\.ts$',
          // The HTML report's browser script: inlined into the page by htmlAssets.ts.
          '^src/report/reporters/html/client\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'shipped code never imports tests, benches or scripts',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Imports are written with .js and resolve to the .ts sources.
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
