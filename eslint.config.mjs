// Lint rules, and the project's dependency direction as checked rules (STYLE.md "Layout that shows
// the architecture"): each folder lists what it must not import, via `no-restricted-imports`.
// The rules see only the import string, so every target is matched in both spellings: the `@/…`
// alias and relative paths (`./lib/store`, `../../lib/store`, and from inside lib/ `../store`).
// lib/architecture.test.ts proves that the rules fire.

import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = new URL('.', import.meta.url);

/** Folders of ours, read from the tree so that a new folder is covered without editing this file. */
function folders(dir, fallback) {
  try {
    const names = readdirSync(new URL(dir, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .filter((name) => name !== 'node_modules');
    return [...new Set([...fallback, ...names])];
  } catch {
    return fallback;
  }
}

const TOP_DIRS = folders('./', [
  'app',
  'components',
  'lib',
  'agent',
  'cli',
  'proto',
  'e2e',
  'bench',
  'scripts',
]);
const LIB_DIRS = folders('./lib/', [
  'contracts',
  'domain',
  'store',
  'server',
  'hosts',
  'terminal',
  'render',
  'auth',
  'testing',
]);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const UP = '(?:\\.\\./)+';
const FROM_ROOT = `(?:@/|\\./|${UP})`;

/**
 * A regex for imports of `target` (a project path such as `app` or `lib/store/sqlite`) in either
 * spelling. `rest` optionally constrains what follows the target (default: end or a sub-path).
 */
function importOf(target, rest = '(?:/|$)') {
  const forms = [`${FROM_ROOT}${escape(target)}`];
  if (target.startsWith('lib/')) forms.push(`${UP}${escape(target.slice('lib/'.length))}`);
  return `^(?:${forms.join('|')})${rest}`;
}

const deny = (target, message) => ({ regex: importOf(target), message, caseSensitive: true });

const NOBODY_IMPORTS_APP = deny(
  'app',
  'app/ is the transport layer and nothing imports it: move shared code to lib/ or components/.',
);

const CONCRETE_STORES = [
  deny(
    'lib/store/sqlite',
    'Use the DataStore interface; only lib/server (the composition root) picks an implementation.',
  ),
  deny(
    'lib/store/postgres',
    'Use the DataStore interface; only lib/server (the composition root) picks an implementation.',
  ),
  deny('lib/store/sql', 'Use the DataStore interface; the SQL layer is internal to lib/store.'),
  deny(
    'lib/store/open-data-store',
    'Get the store from getRuntime() (lib/server/runtime) or take it as a parameter.',
  ),
];

/** `no-restricted-imports` for the given files; last matching block wins, so blocks are disjoint. */
function layer(name, files, patterns) {
  return {
    name: `devopsmaestro/layers/${name}`,
    files,
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

const layers = [
  layer('everyone', ['**/*.{ts,tsx,mts,mjs,js}'], [NOBODY_IMPORTS_APP]),

  layer(
    'contracts',
    ['lib/contracts/**'],
    [
      {
        // Through the alias: anything of ours except lib/errors and contracts themselves.
        regex: '^@/(?!lib/errors$|lib/contracts/)',
        message:
          'lib/contracts is shared by every layer and imports nothing of ours but lib/errors.',
        caseSensitive: true,
      },
      {
        // Relative: climbing into any other folder of ours.
        regex: `^(?:${UP}lib/(?!errors$|contracts/)|${UP}(?:${LIB_DIRS.filter(
          (d) => d !== 'contracts',
        )
          .map(escape)
          .join('|')}|${TOP_DIRS.filter((d) => d !== 'lib')
          .map(escape)
          .join('|')})(?:/|$))`,
        message:
          'lib/contracts is shared by every layer and imports nothing of ours but lib/errors.',
        caseSensitive: true,
      },
    ],
  ),

  layer(
    'store',
    ['lib/store/**'],
    [
      NOBODY_IMPORTS_APP,
      deny(
        'lib/domain',
        'lib/store sits below the domain: the domain calls the store, never the reverse.',
      ),
      deny(
        'lib/server',
        'lib/store must not reach the composition root; take configuration as parameters.',
      ),
      deny('components', 'lib/store is persistence only; UI lives in components/.'),
      deny('agent', 'The agent is a separate process; the store never imports it.'),
      deny('cli', 'The CLI is a separate process; the store never imports it.'),
    ],
  ),

  layer(
    'domain',
    ['lib/domain/**'],
    [
      NOBODY_IMPORTS_APP,
      deny('components', 'The domain is UI-free; components/ are rendered by app/.'),
      deny(
        'lib/server',
        'Domain functions take their dependencies (the DataStore, …) as parameters.',
      ),
      {
        // Only the interface: data-store.ts and its halves, identity-store.ts and host-store.ts.
        // Implementations, SQL and the factory are off limits.
        regex: importOf('lib/store', '(?:/(?!(?:data-store|identity-store|host-store)$)|$)'),
        message:
          'The domain sees only the DataStore interface (lib/store/data-store, identity-store, host-store); implementations are chosen in lib/server.',
        caseSensitive: true,
      },
    ],
  ),

  layer(
    'auth',
    ['lib/auth/**'],
    [
      NOBODY_IMPORTS_APP,
      ...CONCRETE_STORES,
      deny(
        'lib/domain',
        'lib/auth holds mechanisms (hashing, tokens, sessions) the domain uses; wiring them to use cases belongs in lib/server.',
      ),
      deny('lib/server', 'lib/auth takes its dependencies as parameters.'),
      deny('lib/http', 'lib/auth knows no transport.'),
      deny('components', 'lib/auth has no UI.'),
    ],
  ),

  layer(
    'http',
    ['lib/http/**'],
    [
      NOBODY_IMPORTS_APP,
      ...CONCRETE_STORES,
      deny('components', 'lib/http is the REST transport; UI lives in components/.'),
    ],
  ),

  layer(
    'render',
    ['lib/render/**'],
    [
      NOBODY_IMPORTS_APP,
      ...[
        'lib/store',
        'lib/domain',
        'lib/server',
        'lib/http',
        'lib/auth',
        'components',
        'agent',
      ].map((target) =>
        deny(
          target,
          'lib/render turns data into text for the API and the CLI alike: it takes plain data (contracts), nothing more.',
        ),
      ),
    ],
  ),

  layer(
    'hosts',
    ['lib/hosts/**'],
    [
      NOBODY_IMPORTS_APP,
      ...CONCRETE_STORES,
      deny(
        'agent',
        'The control plane reaches agents only over the gRPC contract in proto/, never by importing agent code.',
      ),
      deny('components', 'lib/hosts has no UI.'),
    ],
  ),

  layer('app', ['app/**'], CONCRETE_STORES),

  layer(
    'components',
    ['components/**'],
    [
      NOBODY_IMPORTS_APP,
      deny('lib/domain', 'components/ are generic UI: pass data in as props from app/.'),
      deny('lib/store', 'components/ are generic UI: pass data in as props from app/.'),
      deny('lib/server', 'components/ are generic UI: pass data in as props from app/.'),
    ],
  ),

  layer(
    'agent',
    ['agent/**'],
    [
      NOBODY_IMPORTS_APP,
      deny(
        'lib/store',
        'The agent is its own process and never touches the control plane database.',
      ),
      deny('lib/domain', 'The agent is its own process; it serves the gRPC contract in proto/.'),
      deny('lib/server', 'The agent is its own process; it has its own configuration.'),
      deny('components', 'The agent has no UI.'),
    ],
  ),

  layer(
    'cli',
    ['cli/**'],
    [
      NOBODY_IMPORTS_APP,
      deny('lib/store', 'The CLI is a REST client: call the API instead of the database.'),
      deny('lib/domain', 'The CLI is a REST client: call the API instead of the domain.'),
      deny('lib/server', 'The CLI is a REST client: it never runs control-plane code.'),
      deny('agent', 'The CLI is a REST client: it talks to the control plane, not to agents.'),
      deny('components', 'The CLI renders through lib/render, not React components.'),
    ],
  ),

  // Integration tests beside a module set up whole worlds through any layer (a token test signs
  // in through the domain); they are not part of the layer they sit in. Last, so it wins.
  layer('tests', ['lib/**/*.test.ts'], [NOBODY_IMPORTS_APP]),
];

export default defineConfig([
  globalIgnores([
    '.next/',
    'node_modules/',
    'drizzle/',
    'data/',
    '.test-env/',
    'test-results/',
    'bench/results/',
    'next-env.d.ts',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'devopsmaestro/base',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    name: 'devopsmaestro/plain-js',
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  ...layers,
]);
