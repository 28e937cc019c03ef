// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The house points one way (docs/one-way-house.md): each entry forbids the imports a
 * folder of src/ must not make. Paths are relative to files directly in the folder.
 */
const boundary = (/** @type {string} */ message, /** @type {string[]} */ group) => ({
  'no-restricted-imports': ['error', { patterns: [{ group, message }] }],
});
const outsideExceptCore = ['../*', '!../core', '!../core/*'];
/** ledger/ may also make its folders with files/ (a leaf, like process/). */
const outsideExceptCoreAndFiles = [...outsideExceptCore, '!../files', '!../files/*'];
/** Outside ledger/, the ledger is its ports (and its process locks); the SQLite side stays inside. */
const ledgerPorts = {
  group: ['../ledger/*', '!../ledger/ports.js', '!../ledger/lock.js'],
  message: 'outside ledger/, use the ports (ledger/ports.ts): no database or store outside ledger/',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'ledgers/**', 'bench/.corpus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Typed rules: promises awaited and passed where they are expected, unions checked whole.
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-duplicate-type-constituents': 'error',
      '@typescript-eslint/no-redundant-type-constituents': 'error',
      '@typescript-eslint/no-unnecessary-boolean-literal-compare': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: boundary('core/ imports nothing else in src/: move the type into core/', ['../*']),
  },
  {
    files: ['src/ledger/**/*.ts'],
    rules: boundary(
      'ledger/ imports only core/ (and files/ to make its folders): the decision belongs to the caller, the type to core/',
      outsideExceptCoreAndFiles,
    ),
  },
  {
    // The PostgreSQL engine sits one folder down: its siblings in ledger/ and core/ only.
    files: ['src/ledger/pg/**/*.ts'],
    rules: boundary(
      'ledger/ imports only core/: the decision belongs to the caller, the type to core/',
      ['../../*', '!../../core', '!../../core/*'],
    ),
  },
  {
    files: ['src/process/**/*.ts', 'src/render/**/*.ts', 'src/time/**/*.ts', 'src/files/**/*.ts'],
    rules: boundary(
      'process/, render/, time/ and files/ are leaves: they import only core/',
      outsideExceptCore,
    ),
  },
  {
    files: ['src/*/**/*.ts'],
    ignores: [
      'src/ledger/**',
      'src/core/**',
      'src/process/**',
      'src/render/**',
      'src/time/**',
      'src/files/**',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: [ledgerPorts] }] },
  },
  {
    files: ['src/*.ts'],
    ignores: ['src/context.ts'],
    rules: boundary('outside ledger/, use the ports (ledger/ports.ts)', [
      './ledger/*',
      '!./ledger/ports.js',
    ]),
  },
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ledgerPorts,
            {
              group: ['../dispatch', '../dispatch/*'],
              message: 'config/ must not import dispatch/ (agent defaults live in core/)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ledgerPorts,
            {
              group: ['../demo', '../demo/*'],
              message: 'commands/ never import demo/: the demo runs the commands (demo/command.ts)',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
