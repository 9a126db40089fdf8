import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', AbortController: 'readonly', fetch: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
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
);
