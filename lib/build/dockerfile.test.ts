import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';

import { hasErrorCode } from '../errors';
import { parseDockerfile } from './app-dockerfile';
import type { DetectedSource, EffectiveBuildSettings } from './build-types';
import { DEV_STAGE, generateDockerfile, type GenerateInput } from './dockerfile';
import { dockerfileForBaseImage } from './testing';

// Golden files: lib/build/testdata/<name>.Dockerfile is what users would see. Rewrite them with
// `UPDATE_GOLDEN=1 npx vitest run lib/build`; the diff of that rewrite is the review.
const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

function expectGolden(name: string, actual: string): void {
  const file = path.join(TESTDATA, `${name}.Dockerfile`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file)) {
    throw new Error(
      `No golden file ${file}: run with UPDATE_GOLDEN=1 to write it, then review it.`,
    );
  }
  const expected = readFileSync(file, 'utf8');
  if (expected !== actual) {
    const patch = createTwoFilesPatch(`${name} (golden)`, `${name} (generated)`, expected, actual);
    throw new Error(
      `Generated Dockerfile differs from testdata/${name}.Dockerfile (UPDATE_GOLDEN=1 rewrites it):\n${patch}`,
    );
  }
}

const NO_SOURCE: DetectedSource = { dockerfiles: [] };

function detected(name: string, version: string | undefined, evidence: string): DetectedSource {
  return {
    language: version === undefined ? { name, evidence } : { name, version, evidence },
    dockerfiles: [],
  };
}

function settings(extra: Partial<EffectiveBuildSettings> = {}): EffectiveBuildSettings {
  return { args: {}, ...extra };
}

const APP_DOCKERFILE = `# Production image of the API
ARG GO_VERSION=1.22
FROM golang:\${GO_VERSION}-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/api ./cmd/api

FROM alpine:3.19 AS production
COPY --from=build /out/api /usr/local/bin/api
USER nobody
ENTRYPOINT ["api"]

FROM production
LABEL variant=debug
`;

const GOLDEN_CASES: Array<{ name: string; input: GenerateInput }> = [
  {
    name: 'go',
    input: { settings: settings(), detected: detected('go', '1.22', 'go.mod (version 1.22)') },
  },
  {
    name: 'node',
    input: {
      settings: settings(),
      detected: detected('node', '20', 'package.json; version 20 from .nvmrc'),
    },
  },
  {
    name: 'python',
    input: {
      settings: settings(),
      detected: detected('python', '3.11', 'pyproject.toml; version 3.11 from .python-version'),
    },
  },
  {
    name: 'rust',
    input: {
      settings: settings(),
      detected: detected('rust', '1.75', 'Cargo.toml; version 1.75 from rust-toolchain.toml'),
    },
  },
  {
    name: 'ruby',
    input: {
      settings: settings(),
      detected: detected('ruby', '3.2', 'Gemfile; version 3.2 from .ruby-version'),
    },
  },
  {
    name: 'java',
    input: { settings: settings(), detected: detected('java', '17', 'pom.xml (version 17)') },
  },
  {
    name: 'java-no-version',
    input: { settings: settings(), detected: detected('java', undefined, 'build.gradle.kts') },
  },
  { name: 'unknown', input: { settings: settings(), detected: NO_SOURCE } },
  {
    name: 'declared-language',
    input: {
      settings: settings({ language: { value: { name: 'golang' }, source: 'app' } }),
      detected: detected('go', '1.21', 'go.mod (version 1.21)'),
    },
  },
  {
    name: 'alpine',
    input: {
      settings: settings({ baseImage: { value: 'alpine:3.19', source: 'workspace' } }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'go-alpine-domain',
    input: {
      settings: settings({ baseImage: { value: 'golang:1.22-alpine', source: 'domain' } }),
      detected: detected('go', '1.22', 'go.mod (version 1.22)'),
    },
  },
  {
    name: 'debian-packages',
    input: {
      settings: settings({
        baseImage: { value: 'debian:bookworm', source: 'ecosystem' },
        packages: { value: ['git', 'ripgrep', 'fd-find', 'git'], source: 'workspace' },
      }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'unknown-package-manager',
    input: {
      settings: settings({
        baseImage: { value: 'registry.example.com/platform/base:2024.1', source: 'ecosystem' },
      }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'unknown-package-manager-requested',
    input: {
      settings: settings({
        baseImage: { value: 'fedora:40', source: 'workspace' },
        packages: { value: ['git', 'neovim'], source: 'workspace' },
      }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'busybox-no-packages',
    input: {
      settings: settings({
        baseImage: { value: 'busybox:1.36', source: 'workspace' },
        packages: { value: [], source: 'workspace' },
      }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'busybox-default-packages',
    input: {
      settings: settings({ baseImage: { value: 'busybox', source: 'workspace' } }),
      detected: NO_SOURCE,
    },
  },
  {
    name: 'app-dockerfile',
    input: {
      settings: settings({ dockerfile: { value: 'Dockerfile', source: 'app' } }),
      detected: detected('go', '1.22', 'go.mod (version 1.22)'),
      appDockerfileText: APP_DOCKERFILE,
    },
  },
  {
    name: 'app-dockerfile-target',
    input: {
      settings: settings({
        dockerfile: { value: './Dockerfile', source: 'app' },
        target: { value: 'build', source: 'app' },
      }),
      detected: detected('go', '1.22', 'go.mod (version 1.22)'),
      appDockerfileText: APP_DOCKERFILE,
    },
  },
  {
    name: 'app-dockerfile-directives',
    input: {
      settings: settings({
        dockerfile: { value: 'docker/dev.Dockerfile', source: 'workspace' },
        customCommands: {
          value: ['echo one \\\n  && echo two'],
          source: 'workspace',
        },
      }),
      detected: NO_SOURCE,
      appDockerfileText:
        '# syntax=docker/dockerfile:1\n# escape=`\nFROM debian:bookworm-slim AS Tools\nRUN apt-get update `\n && apt-get install -y make\n',
    },
  },
  {
    name: 'args-and-commands',
    input: {
      settings: settings({
        baseImage: { value: 'node:20-bookworm-slim', source: 'app' },
        language: { value: { name: 'node', version: '20' }, source: 'app' },
        packages: { value: ['git', 'jq'], source: 'workspace' },
        args: {
          NPM_REGISTRY: { value: 'https://npm.example.com', source: 'ecosystem' },
          GITHUB_USERNAME: { value: 'octocat', source: 'workspace' },
        },
        customCommands: {
          value: [
            'npm install -g pnpm@9',
            'RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) pnpm fetch',
            'curl -fsSL https://starship.rs/install.sh | sh -s -- -y',
          ],
          source: 'workspace',
        },
        user: { value: { name: 'alice', uid: 1234, gid: 2345 }, source: 'workspace' },
        secretIds: ['npm_token'],
      }),
      detected: detected('node', '18', 'package.json; version 18 from .nvmrc'),
    },
  },
  {
    name: 'placeholder-base-image',
    input: {
      settings: settings({
        baseImage: { value: 'registry.example.com/dev/${FLAVOUR}:latest', source: 'domain' },
        args: { FLAVOUR: { value: 'debian', source: 'domain' } },
      }),
      detected: NO_SOURCE,
    },
  },
];

describe('generateDockerfile golden files', () => {
  it.each(GOLDEN_CASES)('$name', ({ name, input }) => {
    const generated = generateDockerfile(input);
    expectGolden(name, generated.text);
    // Every generated file parses, and the dev stage is last: builders need no target.
    const parsed = parseDockerfile(generated.text, name);
    expect(parsed.stages.at(-1)?.name).toBe(DEV_STAGE);
    for (const instruction of parsed.instructions) {
      expect(KNOWN_INSTRUCTIONS).toContain(instruction.keyword);
    }
  });
});

const KNOWN_INSTRUCTIONS = [
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
];

function generationError(input: GenerateInput): Error {
  try {
    generateDockerfile(input);
  } catch (error) {
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    return error as Error;
  }
  throw new Error('expected generateDockerfile to fail');
}

describe('generateDockerfile', () => {
  it('reports the effective base image, language and package manager with their sources', () => {
    const go = generateDockerfile({
      settings: settings(),
      detected: detected('go', '1.22', 'go.mod'),
    });
    expect(go.baseImage).toEqual({ value: 'golang:1.22-bookworm', source: 'detected' });
    expect(go.language).toEqual({ value: { name: 'go', version: '1.22' }, source: 'detected' });
    expect(go.packageManager).toBe('apt');

    const none = generateDockerfile({ settings: settings(), detected: NO_SOURCE });
    expect(none.baseImage).toEqual({ value: 'debian:bookworm-slim', source: 'default' });
    expect(none.language).toBeUndefined();

    const alpine = generateDockerfile({
      settings: settings({ baseImage: { value: 'node:20-alpine', source: 'workspace' } }),
      detected: detected('node', '20', 'package.json'),
    });
    expect(alpine.packageManager).toBe('apk');
    expect(alpine.text).toContain('apk add --no-cache ca-certificates curl git neovim zsh');
    expect(alpine.text).not.toContain('apt-get');
  });

  it('takes the version from the declared language, else from detection, else the default', () => {
    const declared = generateDockerfile({
      settings: settings({
        language: { value: { name: 'python', version: '3.10.4' }, source: 'app' },
      }),
      detected: detected('python', '3.12', 'pyproject.toml'),
    });
    // A declared version is used as written when it is a number (the tag exists upstream).
    expect(declared.text).toContain('FROM python:3.10.4-slim-bookworm AS dvm-dev');
    const merged = generateDockerfile({
      settings: settings({ language: { value: { name: 'nodejs' }, source: 'app' } }),
      detected: detected('node', '18', 'package.json; version 18 from .nvmrc'),
    });
    expect(merged.text).toContain('FROM node:18-bookworm-slim AS dvm-dev');
    expect(merged.language).toEqual({ value: { name: 'nodejs', version: '18' }, source: 'app' });
    const other = generateDockerfile({
      settings: settings({ language: { value: { name: 'python' }, source: 'app' } }),
      detected: detected('go', '1.22', 'go.mod'),
    });
    expect(other.text).toContain('FROM python:3.12-slim-bookworm AS dvm-dev');
  });

  it('lets the more specific level choose between a Dockerfile and a ready image', () => {
    const appDockerfile = { dockerfile: { value: 'Dockerfile', source: 'app' as const } };
    const text = 'FROM debian:bookworm-slim\n';
    const workspaceImage = generateDockerfile({
      settings: settings({
        ...appDockerfile,
        baseImage: { value: 'my-api:prod', source: 'workspace' },
      }),
      detected: NO_SOURCE,
      appDockerfileText: text,
    });
    expect(workspaceImage.baseImage).toEqual({ value: 'my-api:prod', source: 'workspace' });
    expect(workspaceImage.text).toContain('FROM my-api:prod AS dvm-dev');

    const appWins = generateDockerfile({
      settings: settings({
        ...appDockerfile,
        baseImage: { value: 'corp/base:1', source: 'ecosystem' },
      }),
      detected: NO_SOURCE,
      appDockerfileText: text,
    });
    // The image the app's Dockerfile starts from; the header says it comes through the Dockerfile.
    expect(appWins.baseImage).toEqual({ value: 'debian:bookworm-slim', source: 'app' });
    expect(appWins.text).toContain(
      '# Base image: Dockerfile, stage dvm-base (app spec.build.dockerfile; it starts from debian:bookworm-slim)',
    );
    expect(appWins.packageManager).toBe('apt');

    const sameLevel = generateDockerfile({
      settings: settings({
        dockerfile: { value: 'Dockerfile', source: 'workspace' },
        baseImage: { value: 'my-api:prod', source: 'workspace' },
      }),
      detected: NO_SOURCE,
      appDockerfileText: text,
    });
    expect(sameLevel.text).toContain('FROM dvm-base AS dvm-dev');
  });

  it('fails early when packages are requested on a base without a package manager', () => {
    const error = generationError({
      settings: settings({
        baseImage: { value: 'busybox:1.36', source: 'workspace' },
        packages: { value: ['git', 'curl'], source: 'workspace' },
      }),
      detected: NO_SOURCE,
    });
    expect(error.message).toContain('busybox:1.36 has no package manager');
    expect(error.message).toContain('git, curl');
    expect(error.message).toContain('packages: []');
  });

  it('refuses bases without a shell, suggesting a target for a Dockerfile', () => {
    expect(
      generationError({
        settings: settings({
          baseImage: { value: 'gcr.io/distroless/static-debian12', source: 'app' },
        }),
        detected: NO_SOURCE,
      }).message,
    ).toContain('has no shell');
    const scratch = generationError({
      settings: settings({ dockerfile: { value: 'Dockerfile', source: 'app' } }),
      detected: NO_SOURCE,
      appDockerfileText:
        'FROM golang:1.22 AS build\nRUN true\nFROM scratch\nCOPY --from=build /x /x\n',
    });
    expect(scratch.message).toContain('scratch');
    expect(scratch.message).toContain('spec.build.target');
  });

  it('says which Dockerfile or target is missing', () => {
    expect(
      generationError({
        settings: settings({ dockerfile: { value: 'docker/Dockerfile', source: 'workspace' } }),
        detected: NO_SOURCE,
      }).message,
    ).toBe(
      "The Dockerfile docker/Dockerfile (workspace spec.image.buildFrom) is not in the app's source.",
    );
    expect(
      generationError({
        settings: settings({
          dockerfile: { value: 'Dockerfile', source: 'app' },
          target: { value: 'dev', source: 'app' },
        }),
        detected: NO_SOURCE,
        appDockerfileText: APP_DOCKERFILE,
      }).message,
    ).toBe('The build target "dev" is not a stage of Dockerfile (its stages: build, production).');
  });

  it('refuses a multi-line custom command that would start a new instruction', () => {
    const error = generationError({
      settings: settings({
        customCommands: { value: ['echo a\nUSER root'], source: 'workspace' },
      }),
      detected: NO_SOURCE,
    });
    expect(error.message).toContain('spec.build.devStage.customCommands[0]');
  });

  it('refuses a base image placeholder that no build arg sets', () => {
    expect(
      generationError({
        settings: settings({ baseImage: { value: '${BASE}', source: 'workspace' } }),
        detected: NO_SOURCE,
      }).message,
    ).toContain('${BASE}');
  });

  it('never writes build arg values or secrets into the Dockerfile', () => {
    const text = generateDockerfile({
      settings: settings({
        args: { TOKEN: { value: 's3cr3t-value', source: 'workspace' } },
        secretIds: ['npm_token'],
      }),
      detected: NO_SOURCE,
    }).text;
    expect(text).toContain('ARG TOKEN\n');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('npm_token');
    expect(text).not.toMatch(/^# syntax/m);
  });

  it('is deterministic: same input, same text, whatever the order of args', () => {
    const a = settings({
      args: {
        B: { value: '2', source: 'app' },
        A: { value: '1', source: 'ecosystem' },
      },
    });
    const b = settings({
      args: {
        A: { value: '1', source: 'ecosystem' },
        B: { value: '2', source: 'app' },
      },
    });
    const first = generateDockerfile({ settings: a, detected: NO_SOURCE }).text;
    expect(generateDockerfile({ settings: a, detected: NO_SOURCE }).text).toBe(first);
    expect(generateDockerfile({ settings: b, detected: NO_SOURCE }).text).toBe(first);
  });

  it('keeps header comments on one line whatever the paths contain', () => {
    const text = generateDockerfile({
      settings: settings({ dockerfile: { value: 'x\nRUN evil', source: 'app' } }),
      detected: NO_SOURCE,
      appDockerfileText: 'FROM debian:bookworm-slim\n',
    }).text;
    expect(text).not.toMatch(/^RUN evil/m);
  });

  it('picks a free stage name when the app already uses ours', () => {
    const text = generateDockerfile({
      settings: settings({ dockerfile: { value: 'Dockerfile', source: 'app' } }),
      detected: NO_SOURCE,
      appDockerfileText: 'FROM debian AS dvm-dev\nFROM dvm-dev\n',
    }).text;
    expect(text).toContain('FROM dvm-dev AS dvm-base\n');
    expect(text).toContain('FROM dvm-base AS dvm-dev-2\n');
  });

  it('reports the base image as far as it is known before the build', () => {
    const viaArg = generateDockerfile({
      settings: settings({
        baseImage: { value: 'golang:${GO}-alpine', source: 'workspace' },
        args: { GO: { value: '1.22', source: 'app' } },
      }),
      detected: NO_SOURCE,
    });
    expect(viaArg.baseImage).toEqual({ value: 'golang:1.22-alpine', source: 'workspace' });
    expect(viaArg.packageManager).toBe('apk');
    const unknown = generateDockerfile({
      settings: settings({ dockerfile: { value: 'Dockerfile', source: 'app' } }),
      detected: NO_SOURCE,
      appDockerfileText: 'ARG BASE\nFROM ${BASE}\n',
    });
    expect(unknown.baseImage).toEqual({ value: '${BASE}', source: 'app' });
    expect(unknown.packageManager).toBe('detect');
  });

  it('has a fixture for a busybox workspace', () => {
    const generated = dockerfileForBaseImage('busybox:latest');
    expect(generated.packageManager).toBe('none');
    expect(generated.text).toContain('FROM busybox:latest AS dvm-dev');
  });
});
