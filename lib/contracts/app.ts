// The App spec: a codebase, found at a host path and/or in a git repository. Field names follow
// the original `dvm` App YAML (models/app.go at v0.8.0) so existing manifests apply unchanged;
// `host` and `git` are ours (DESIGN §1).
import { z } from 'zod';

import {
  absolutePath,
  envMap,
  formattedString,
  imageReference,
  nonEmptyString,
  packageName,
  portMapping,
  portNumber,
  relativePath,
  singleLine,
  token,
  versionString,
} from './field-types';
import { nameSchema } from './names';

// https://, ssh://, git://, file:// URLs, or scp-like `user@host:path` as git itself accepts.
const GIT_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/[^\s]+|[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[^\s]+)$/;

// The rules of `git check-ref-format`, plus no leading '-' so a ref can never be read as an option.
function isGitRef(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= 255 &&
    !value.startsWith('-') &&
    !value.startsWith('/') &&
    !value.endsWith('/') &&
    !value.endsWith('.') &&
    !value.endsWith('.lock') &&
    !value.includes('..') &&
    !value.includes('@{') &&
    !value.includes('//') &&
    !/[\s~^:?*[\\\0\x7f]/.test(value)
  );
}

export const gitSourceSchema = z.strictObject({
  url: formattedString(
    (value) => GIT_URL.test(value),
    'must be a git URL (https://, ssh://, git://, file:// or user@host:path)',
  ),
  /** Branch, tag or commit; the repository's default branch when absent. */
  ref: z
    .string()
    .refine(isGitRef, { message: 'must be a valid git branch, tag or commit name' })
    .optional(),
});

export const languageSchema = z.strictObject({
  name: token,
  version: versionString.optional(),
});

export const appBuildSchema = z.strictObject({
  dockerfile: relativePath.optional(),
  /** `auto` or a language; the original never acted on it either. */
  buildpack: token.optional(),
  args: envMap.optional(),
  target: singleLine.pipe(nonEmptyString).optional(),
  context: relativePath.optional(),
  /** A ready image to start the workspace image from when the app brings no Dockerfile. */
  baseImage: imageReference.optional(),
});

export const dependenciesSchema = z.strictObject({
  file: nonEmptyString.optional(),
  install: nonEmptyString.optional(),
  extra: z.array(packageName).optional(),
});

export const serviceSchema = z.strictObject({
  name: nameSchema,
  image: imageReference.optional(),
  version: versionString.optional(),
  port: portNumber.optional(),
  env: envMap.optional(),
});

export const appSpecObject = z.strictObject({
  /** Absolute path of the source on the host named by `host`. */
  path: absolutePath.optional(),
  /** The host the path lives on; the domain layer picks the default host when absent. */
  host: nameSchema.optional(),
  git: gitSourceSchema.optional(),
  language: languageSchema.optional(),
  build: appBuildSchema.optional(),
  dependencies: dependenciesSchema.optional(),
  services: z.array(serviceSchema).optional(),
  env: envMap.optional(),
  ports: z.array(portMapping).optional(),
  /** Names of this app's workspaces, as the original printed them. */
  workspaces: z.array(nameSchema).optional(),
});

/** An App without a source could never be built, so one of the two is required. */
export const appSpecSchema = appSpecObject.superRefine((spec, ctx) => {
  if (spec.path === undefined && spec.git === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['path'],
      message: 'required: an App needs spec.path and/or spec.git.url',
    });
  }
});

export type AppSpec = z.output<typeof appSpecSchema>;
