// Lint configuration. Besides the usual rules it enforces the front end's
// layers (net → model → render → ui → main): model/ is pure and imports no
// other layer; render/ never imports ui/; net/ only knows model types. dev/
// (benchmark page modes) sits beside main.ts: it may drive the app, and no
// layer may import it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (from, forbidden) => ({
  files: [`frontend/src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: [`**/${dir}/*`, `../${dir}`, `./${dir}`, `**/${dir}`],
          message: `${from}/ must not import ${dir}/ (layers: net → model → render → ui → main).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  {
    // Only the front end is linted here; Python folders (with their virtualenvs) are not ours.
    ignores: [
      '**/node_modules/**', '.venv/**', '.venv-*/**', 'artifacts/**', 'backend/**', 'tests/**', 'bench/**', 'scenarios/**', 'docs/**',
      'build/**', 'dist/**', 'frontend/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', console: 'readonly', performance: 'readonly',
        requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', process: 'readonly', URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  layer('model', ['net', 'render', 'ui', 'dev']),
  layer('net', ['render', 'ui', 'dev']),
  layer('render', ['ui', 'net', 'dev']),
  layer('ui', ['dev']),
);
