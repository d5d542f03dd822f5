import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  {
    // The HTML report's browser code is inlined into the page: it may import types only.
    files: ['src/report/reporters/html/client.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[importKind!='type']",
          message: 'Inlined into the page: import types only.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    // Child-process entry points own their process too.
    ignores: [
      'src/cli/**',
      'src/app/main.ts',
      'src/network/proxyMain.ts',
      'src/neighbor/neighborMain.ts',
      'src/runner/workers/workerMain.ts',
    ],
    rules: {
      // Only the CLI decides when the process ends (DESIGN.md: typed errors below src/cli/).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Throw a typed error; src/cli maps it.' },
      ],
    },
  },
);
