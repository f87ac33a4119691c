import { describe, expect, it } from 'vitest';

import {
  canonicalLanguage,
  defaultBaseImage,
  imageHasShell,
  packageManagerOf,
  parseImageName,
} from './base-images';

describe('defaultBaseImage', () => {
  it.each([
    ['go', '1.22', 'golang:1.22-bookworm', true],
    ['golang', undefined, 'golang:1.23-bookworm', false],
    ['node', '20', 'node:20-bookworm-slim', true],
    ['nodejs', 'v18', 'node:18-bookworm-slim', true],
    ['typescript', 'lts', 'node:22-bookworm-slim', false],
    ['python', '3.11', 'python:3.11-slim-bookworm', true],
    ['rust', '1.75', 'rust:1.75-slim-bookworm', true],
    ['ruby', '3.2', 'ruby:3.2-slim-bookworm', true],
    ['java', '17', 'eclipse-temurin:17-jdk', true],
    ['Java', undefined, 'eclipse-temurin:21-jdk', false],
    ['elixir', '1.16', 'debian:bookworm-slim', false],
    [undefined, undefined, 'debian:bookworm-slim', false],
    // Only numbers become tags: nothing can be smuggled into the FROM line.
    ['go', '1.22 AS x', 'golang:1.23-bookworm', false],
  ])('%s %s → %s', (language, version, image, versionUsed) => {
    expect(defaultBaseImage(language, version)).toEqual({ image, versionUsed });
  });

  it('knows the spellings the original used', () => {
    expect(canonicalLanguage('golang')).toBe('go');
    expect(canonicalLanguage('nodejs')).toBe('node');
    expect(canonicalLanguage('Node.js')).toBe('node');
    expect(canonicalLanguage('cobol')).toBeUndefined();
  });
});

describe('packageManagerOf', () => {
  it.each([
    ['alpine', 'apk'],
    ['alpine:3.19', 'apk'],
    ['golang:1.22-alpine', 'apk'],
    ['node:20-alpine3.19', 'apk'],
    ['python:3.12-alpine', 'apk'],
    ['ghcr.io/team/alpine-tools:1', 'apk'],
    ['debian', 'apt'],
    ['debian:bookworm-slim', 'apt'],
    ['ubuntu:22.04', 'apt'],
    ['docker.io/library/ubuntu:24.04', 'apt'],
    ['golang:1.22-bookworm', 'apt'],
    ['golang:1.22', 'apt'],
    ['node:20-bookworm-slim', 'apt'],
    ['python:3.11-slim', 'apt'],
    ['rust:1.75-slim-bookworm', 'apt'],
    ['ruby:3.2-slim-bookworm', 'apt'],
    ['eclipse-temurin:17-jdk', 'apt'],
    ['debian@sha256:' + 'a'.repeat(64), 'apt'],
    ['registry.example.com/team/app:1.2-bookworm', 'apt'],
    ['busybox', 'none'],
    ['busybox:1.36-musl', 'none'],
    ['dvm-test/busybox:latest', 'none'],
    ['scratch', 'none'],
    ['gcr.io/distroless/static-debian12', 'none'],
    ['gcr.io/distroless/base:debug', 'none'],
    ['fedora:40', 'detect'],
    ['my-api:prod', 'detect'],
    ['team/golang:1.22', 'detect'],
    // Mirrors of official images keep their names.
    ['localhost:5000/debian', 'apt'],
    ['mirror.gcr.io/library/golang:1.22', 'apt'],
    ['registry.example.com/platform/base:2024.1', 'detect'],
  ])('%s → %s', (image, manager) => {
    expect(packageManagerOf(image)).toBe(manager);
  });
});

describe('parseImageName', () => {
  it('splits registry, path, repository and tag as Docker does', () => {
    expect(parseImageName('golang:1.22')).toEqual({
      registry: undefined,
      path: 'library/golang',
      repository: 'golang',
      tag: '1.22',
    });
    expect(parseImageName('localhost:5000/team/app:v1@sha256:abc')).toEqual({
      registry: 'localhost:5000',
      path: 'team/app',
      repository: 'app',
      tag: 'v1',
    });
    expect(parseImageName('team/app')).toMatchObject({ registry: undefined, path: 'team/app' });
  });
});

describe('imageHasShell', () => {
  it.each([
    ['scratch', false],
    ['gcr.io/distroless/static-debian12', false],
    ['gcr.io/distroless/base:debug', false],
    ['busybox', true],
    ['debian', true],
    ['my-api:prod', true],
  ])('%s → %s', (image, hasShell) => {
    expect(imageHasShell(image)).toBe(hasShell);
  });
});
