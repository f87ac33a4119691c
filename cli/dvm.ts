#!/usr/bin/env -S node --import tsx
// dvm — the command-line client of the DevOpsMaestro REST API (kubectl-style apply/get/create/
// delete/use/build/attach). This release ships the control plane's storage only: every command
// but `version` and `help` says it is not available yet instead of pretending to work.
import { readFileSync } from 'node:fs';

const PLANNED: Record<string, string> = {
  apply: 'apply manifests (multi-document YAML, kind: List) with --dry-run diffs',
  get: 'list and show ecosystems, domains, apps and workspaces (-o json|yaml|table)',
  create: 'create an object from flags',
  delete: 'delete an object (--cascade for everything below it)',
  use: 'set the active ecosystem/domain/app/workspace',
  build: "build a workspace's image and stream the progress",
  attach: 'open a terminal in a workspace',
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(PLANNED).map(
    ([name, what]) => `  ${name.padEnd(8)} ${what} (not available yet)`,
  );
  return [
    'Usage: dvm <command> [flags]',
    '',
    'Commands:',
    '  version  print the version',
    ...lines,
  ].join('\n');
}

const [command] = process.argv.slice(2);
if (command === 'version' || command === '--version') {
  console.log(`dvm ${version()}`);
} else if (
  command === undefined ||
  command === 'help' ||
  command === '--help' ||
  command === '-h'
) {
  console.log(usage());
} else if (command in PLANNED) {
  console.error(
    `dvm ${command}: not available yet — the CLI arrives with the REST API (issue P1.3). Nothing was changed.`,
  );
  process.exit(2);
} else {
  console.error(`dvm: unknown command "${command}"\n\n${usage()}`);
  process.exit(2);
}
