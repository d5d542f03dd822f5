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
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/app/main.ts'],
    rules: {
      // Only the CLI decides when the process ends (DESIGN.md: typed errors below src/cli/).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Throw a typed error; src/cli maps it.' },
      ],
    },
  },
);
