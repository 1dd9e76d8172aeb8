// Lint rules: the recommended type-aware set, plus the few habits STYLE.md asks for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript here is Node scripts and helpers (bundler, binary build, test brokers).
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS by necessity: the single executable's main script may only require built-ins.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Only agent/config reads process.env.' },
      ],
    },
  },
  {
    files: ['sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/**', '../agent/*', 'pino'], message: 'The SDK never imports the agent and does not log.' }] }],
    },
  },
  {
    files: ['agent/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sdk/*/**', '../sdk/*/*'], message: 'The agent uses the SDK only through sdk/index.js.' }] }],
    },
  },
  {
    files: ['platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/sdk/*/**', '../sdk/*/*', '**/agent/**', '../agent/*'], message: 'The platform services use the SDK only through sdk/index.js, and never the agent.' }] },
      ],
    },
  },
  {
    files: ['agent/config/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'cli/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
