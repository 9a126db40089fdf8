import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint.boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'artifacts/**'] },
  js.configs.recommended,
  // Type-aware: the rules that need the type checker (no-floating-promises, no-misused-promises,
  // await-thenable, the no-unsafe-* family, ...) run on every .ts file with the project's tsconfig.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', AbortController: 'readonly', fetch: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Off: every `async` without `await` here is deliberate: it implements a Promise-returning interface
      // (fastify handlers, the SQLite side of the async Ledger, stop hooks, waitFor's `() => Promise<boolean>`
      // checks) and turns a synchronous throw into a rejection; dropping `async` would change that.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // An error that can reach a person (CLI, API, logs) has a code from common/errors.ts.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', '**/testing.ts', '**/bench*.ts', 'bench/**', 'reliability/fuzz/**', 'deploy/mosquitto/test-broker.ts', 'vitest.config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Error'], CallExpression[callee.name='Error']", message: 'Throw a SunshareError with a code from common/errors.ts (docs/errors.md): a bare Error reaches a person without a code or what to do.' },
      ],
    },
  },
  // Module boundaries (sunshare/module-boundaries, eslint.boundaries.js). A file in one top-level
  // folder (api, broker, dashboards, demo, deploy, firmware-sim, gateway, ingest, payout,
  // reliability, bench, bin, common) imports another top-level folder only through its public
  // entries; everything else in a folder is internal to it:
  // - `<folder>/index.ts`: the folder's public surface (types included);
  // - `<folder>/testing/index.ts`: its helpers for other folders' tests, benches and the soak
  //   (only from test code: *.test.ts, bench files, testing/ helpers, reliability/, bench/);
  // - common/ is a library of small independent modules, so each of its top-level modules
  //   (common/index.ts, config.ts, contract.ts, errors.ts, log.ts, time.ts, validate.ts, ...) is
  //   an entry, as is each sub-package's index.ts (common/ledger/index.ts, common/devices/index.ts,
  //   and common/testing/index.ts for test code); deeper files (common/ledger/db.ts,
  //   common/testing/servers.ts, ...) are internal. cli.ts files import none of common's heavy
  //   modules (common/index.ts loads TypeBox and yaml), which keeps `sunshare --help` light;
  // - bin/ is the composition root: it may import each folder's `cli.ts` (each declares its
  //   command and loads the folder's index.ts only in its action, which keeps `--help` fast);
  //   bin's own entry is bin/sunshare.ts (deploy's container entrypoint runs it).
  {
    plugins: { sunshare: boundaries },
    rules: { 'sunshare/module-boundaries': 'error' },
  },
);
