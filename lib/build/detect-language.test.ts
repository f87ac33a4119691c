import { describe, expect, it } from 'vitest';

import { detectSource, javaMajor, major, majorMinor, nodeVersionOf, rust } from './detect-language';
import { memorySource } from './testing';

const cases: Array<{
  name: string;
  files: Record<string, string>;
  language?: { name: string; version?: string; evidence: string };
}> = [
  {
    name: 'Go with a go directive',
    files: {
      'go.mod': 'module example.com/api\n\ngo 1.22.3\n\ntoolchain go1.22.5\n',
      'main.go': '',
    },
    language: { name: 'go', version: '1.22', evidence: 'go.mod (version 1.22)' },
  },
  {
    name: 'Go without a go directive',
    files: { 'go.mod': 'module example.com/api\n' },
    language: { name: 'go', evidence: 'go.mod' },
  },
  {
    name: 'Node.js with .nvmrc',
    files: { 'package.json': '{"name":"web"}', '.nvmrc': 'v20.11.0\n' },
    language: { name: 'node', version: '20', evidence: 'package.json; version 20 from .nvmrc' },
  },
  {
    name: 'Node.js with an LTS code name',
    files: { 'package.json': '{}', '.nvmrc': 'lts/hydrogen\n' },
    language: { name: 'node', version: '18', evidence: 'package.json; version 18 from .nvmrc' },
  },
  {
    name: 'Node.js with .node-version',
    files: { 'package.json': '{}', '.node-version': '22.1.0' },
    language: {
      name: 'node',
      version: '22',
      evidence: 'package.json; version 22 from .node-version',
    },
  },
  {
    name: 'Node.js with engines.node',
    files: { 'package.json': '{"engines":{"node":">=18.17 <21"}}' },
    language: {
      name: 'node',
      version: '18',
      evidence: 'package.json; version 18 from package.json engines.node',
    },
  },
  {
    name: 'Node.js with lts/* only',
    files: { 'package.json': 'not json', '.nvmrc': 'lts/*' },
    language: { name: 'node', evidence: 'package.json' },
  },
  {
    name: 'Python with .python-version',
    files: { 'requirements.txt': 'flask\n', '.python-version': '3.11.4\n' },
    language: {
      name: 'python',
      version: '3.11',
      evidence: 'requirements.txt; version 3.11 from .python-version',
    },
  },
  {
    name: 'Python with requires-python',
    files: { 'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.10"\n' },
    language: {
      name: 'python',
      version: '3.10',
      evidence: 'pyproject.toml; version 3.10 from pyproject.toml requires-python',
    },
  },
  {
    name: 'Python with a Pipfile',
    files: { Pipfile: '[requires]\npython_version = "3.9"\n' },
    language: {
      name: 'python',
      version: '3.9',
      evidence: 'Pipfile; version 3.9 from Pipfile python_version',
    },
  },
  {
    name: 'Python with setup.py only',
    files: { 'setup.py': 'from setuptools import setup\n' },
    language: { name: 'python', evidence: 'setup.py' },
  },
  {
    name: 'Rust with rust-toolchain.toml',
    files: {
      'Cargo.toml': '[package]\n',
      'rust-toolchain.toml': '[toolchain]\nchannel = "1.75.0"\n',
    },
    language: {
      name: 'rust',
      version: '1.75',
      evidence: 'Cargo.toml; version 1.75 from rust-toolchain.toml',
    },
  },
  {
    name: 'Rust on stable',
    files: { 'Cargo.toml': '[package]\n', 'rust-toolchain': 'stable\n' },
    language: { name: 'rust', evidence: 'Cargo.toml' },
  },
  {
    name: 'Ruby with .ruby-version',
    files: { Gemfile: "source 'https://rubygems.org'\n", '.ruby-version': 'ruby-3.2.2\n' },
    language: { name: 'ruby', version: '3.2', evidence: 'Gemfile; version 3.2 from .ruby-version' },
  },
  {
    name: 'Java with Maven release',
    files: {
      'pom.xml':
        '<project><properties><maven.compiler.release>17</maven.compiler.release></properties></project>',
    },
    language: { name: 'java', version: '17', evidence: 'pom.xml (version 17)' },
  },
  {
    name: 'Java with Spring Boot java.version 1.8',
    files: { 'pom.xml': '<properties><java.version>1.8</java.version></properties>' },
    language: { name: 'java', version: '8', evidence: 'pom.xml (version 8)' },
  },
  {
    name: 'Java with a Gradle toolchain',
    files: {
      'build.gradle.kts':
        'java {\n  toolchain {\n    languageVersion = JavaLanguageVersion.of(21)\n  }\n}\n',
    },
    language: { name: 'java', version: '21', evidence: 'build.gradle.kts (version 21)' },
  },
  {
    name: 'Java with Gradle sourceCompatibility',
    files: { 'build.gradle': 'sourceCompatibility = JavaVersion.VERSION_11\n' },
    language: { name: 'java', version: '11', evidence: 'build.gradle (version 11)' },
  },
  {
    name: 'Java without a version',
    files: { 'pom.xml': '<project/>' },
    language: { name: 'java', evidence: 'pom.xml' },
  },
  {
    name: 'a Go service with a package.json for tooling is Go',
    files: { 'go.mod': 'module x\ngo 1.21\n', 'package.json': '{}' },
    language: { name: 'go', version: '1.21', evidence: 'go.mod (version 1.21)' },
  },
  {
    name: 'a Rails app with a package.json is Ruby',
    files: { Gemfile: '', 'package.json': '{}' },
    language: { name: 'ruby', evidence: 'Gemfile' },
  },
  {
    name: 'a Django app with a package.json is Python',
    files: { 'requirements.txt': '', 'package.json': '{}' },
    language: { name: 'python', evidence: 'requirements.txt' },
  },
  { name: 'nothing known', files: { 'README.md': '# hi', 'src/main.c': '' } },
];

describe('detectSource', () => {
  it.each(cases)('$name', async ({ files, language }) => {
    const detected = await detectSource(memorySource(files));
    expect(detected.language).toEqual(language);
  });

  it('lists the Dockerfiles at the top level, sorted', async () => {
    const detected = await detectSource(
      memorySource({
        Dockerfile: '',
        'Dockerfile.dev': '',
        'prod.Dockerfile': '',
        Containerfile: '',
        'docker/Dockerfile': '',
        'Dockerfile-notes.md': '',
      }),
    );
    expect(detected.dockerfiles).toEqual([
      'Containerfile',
      'Dockerfile',
      'Dockerfile.dev',
      'prod.Dockerfile',
    ]);
  });

  it('reads only bounded amounts', async () => {
    const reads: number[] = [];
    const source = memorySource({ 'go.mod': 'module x\ngo 1.22\n' });
    await detectSource({
      ...source,
      read: (rel, max) => {
        reads.push(max);
        return source.read(rel, max);
      },
    });
    expect(reads.every((max) => max <= 64 * 1024)).toBe(true);
  });
});

describe('version normalisation', () => {
  it.each([
    ['1.22.3', '1.22'],
    ['v3.11', '3.11'],
    ['ruby-3.2.2', '3.2'],
    ['# comment\n3.12\n', '3.12'],
    ['3', undefined],
    ['', undefined],
  ])('majorMinor(%j) = %j', (text, expected) => {
    expect(majorMinor(text)).toBe(expected);
  });

  it.each([
    ['v20.11.0', '20'],
    ['20', '20'],
    ['^18.2', '18'],
    ['>=16 <21', '16'],
    ['lts/*', undefined],
  ])('major(%j) = %j', (text, expected) => {
    expect(major(text)).toBe(expected);
  });

  it.each([
    ['lts/iron', '20'],
    ['lts/unknown', undefined],
    ['node', undefined],
    ['21.6.1', '21'],
  ])('nodeVersionOf(%j) = %j', (text, expected) => {
    expect(nodeVersionOf(text)).toBe(expected);
  });

  it.each([
    ['1.8', '8'],
    ['17', '17'],
    ['11.0.2', '11'],
    ['10', '10'],
  ])('javaMajor(%j) = %j', (text, expected) => {
    expect(javaMajor(text)).toBe(expected);
  });

  it.each([
    ['[toolchain]\nchannel = "1.76.0"\n', '1.76'],
    ['1.70\n', '1.70'],
    ['nightly-2024-01-01\n', undefined],
    ['[toolchain]\nchannel = "stable"\n', undefined],
  ])('rust(%j) = %j', (text, expected) => {
    expect(rust(text)).toBe(expected);
  });
});
