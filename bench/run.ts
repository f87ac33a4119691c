// `npm run bench -- <name>`: runs bench/<name>/main.ts inside the test environment it needs
// (scripts/with-test-env.sh starts PostgreSQL, Docker or Chromium as the benchmark declares).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const name = process.argv[2];
const benches = fs
  .readdirSync(path.join(process.cwd(), 'bench'), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && fs.existsSync(path.join('bench', entry.name, 'main.ts')),
  )
  .map((entry) => entry.name);

if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (available: ${benches.join(', ')})`);
  process.exit(2);
}

const servicesFile = path.join('bench', name, 'services');
const services = fs.existsSync(servicesFile) ? fs.readFileSync(servicesFile, 'utf8').trim() : '';
const child = spawn(
  'bash',
  [
    'scripts/with-test-env.sh',
    process.execPath,
    '--import',
    'tsx',
    path.join('bench', name, 'main.ts'),
    ...process.argv.slice(3),
  ],
  { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, DVM_TEST_SERVICES: services } },
);
// The environment's teardown logs after the benchmark's summary; the summary is repeated last so
// a run always ends with it (DESIGN.md §9).
let summary: string | undefined;
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  for (const line of chunk.toString('utf8').split('\n'))
    if (line.startsWith(`bench ${name}:`)) summary = line;
});
child.on('close', (code) => {
  if (summary) console.log(summary);
  else console.error(`bench ${name}: no summary line was printed`);
  process.exit(code ?? 1);
});
