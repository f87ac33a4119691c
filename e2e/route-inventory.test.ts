// Every way into the control plane, checked against one table of who may use it (DESIGN.md §7).
//
// The test ENUMERATES what the code serves — every app/**/route.ts and the HTTP methods it exports,
// every server action in the build's server-reference manifest (and every export of a 'use server'
// file), every page, and the WebSocket paths — and fails when something it finds is missing from
// the tables below, so a new route, method or action cannot ship without saying who may call it.
// Then, on the real production server (server.ts on `next build`, fresh SQLite, a headless admin
// from DVM_ADMIN_EMAIL/PASSWORD) with users of every role in ecosystem `eco` and tokens of every
// scope, it proves for each entry:
//
//   - no credentials → 401 problem+json with `WWW-Authenticate: Bearer` (public entries excepted)
//   - a bad Bearer token → 401, even when a valid session cookie rides along
//   - each role below the minimum → 403 (or 404 where the domain hides an ecosystem)
//   - each role at or above the minimum, and an admin's browser session → 2xx
//   - a token whose scope is below the entry's scope → 403, at or above → 2xx
//   - server actions called with no cookies → refused (the action's result says UNAUTHENTICATED)
//   - pages, without cookies → redirected to sign in (or first-run setup)
//   - sockets: foreign Origin → 403, no credentials → 401, tickets are single-use and bound to
//     their purpose, then (terminals are not built yet) 501
//
// Needs a prior `next build` (scripts/test.sh and `npm run e2e` run it).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataStore } from '@/lib/store/data-store';
import { openDataStore } from '@/lib/store/open-data-store';
import {
  PROJECT_ROOT,
  type ServerProcess,
  signInCookie,
  startServer,
} from '@/lib/testing/server-process';

// ---------------------------------------------------------------------------------------------
// The tables. Add a line here when you add a route, a method, a server action, a page or a socket.
// ---------------------------------------------------------------------------------------------

/** From least to most privileged. `user` is signed in but holds no role in `eco`. */
const ROLES = ['user', 'viewer', 'developer', 'owner', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Scope = 'read' | 'write' | 'admin';
const SCOPES: Scope[] = ['read', 'write', 'admin'];

interface Req {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

type Status = number | number[];

interface PublicEntry {
  public: true;
  /** Why anyone may call it. */
  why: string;
  request: Req;
  ok: Status;
}

interface ProtectedEntry {
  public?: false;
  /** The least role that may call it; every role above may too. */
  min: Role;
  /** The least token scope that may call it. */
  scope: Scope;
  /**
   * A request that must succeed for `as` (built afresh for each caller: it may use up a target,
   * like a token to revoke). `as` is also who the target belongs to when that matters.
   */
  request: (fx: Fixtures, as: Role) => Promise<Req> | Req;
  ok?: Status;
  /** The answer for roles below `min`; 403 unless listed (404 where the domain hides `eco`). */
  denied?: Partial<Record<Role, number>>;
  /** Further checks: a request as someone, and the status it must get. */
  extra?: (fx: Fixtures) => Promise<Array<{ as: Role; why: string; req: Req; expect: Status }>>;
}

type Entry = PublicEntry | ProtectedEntry;

/** Every route × method in app/. Keys are `METHOD /path` with the file system's [segments]. */
const ROUTES: Record<string, Entry> = {
  'GET /api/healthz': {
    public: true,
    why: 'liveness probe for load balancers and Docker; says nothing about users',
    request: { path: '/api/healthz' },
    ok: 200,
  },
  'GET /api/auth/[...nextauth]': {
    public: true,
    why: 'next-auth: CSRF token, sign-in pages and providers, the session as the cookie proves it',
    request: { path: '/api/auth/csrf' },
    ok: 200,
  },
  'POST /api/auth/[...nextauth]': {
    public: true,
    why: 'next-auth: sign-in (checks the password itself, throttled) and sign-out',
    // Without next-auth's CSRF token it sends the visitor back to sign in.
    request: { path: '/api/auth/callback/credentials', body: 'csrfToken=x&email=a&password=b' },
    ok: [302, 303],
  },

  'GET /api/v1/me': { min: 'user', scope: 'read', request: () => ({ path: '/api/v1/me' }) },

  'GET /api/v1/tokens': { min: 'user', scope: 'read', request: () => ({ path: '/api/v1/tokens' }) },
  'POST /api/v1/tokens': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/tokens', body: { name: 'inventory', scope: 'read' } }),
    ok: 201,
  },
  'DELETE /api/v1/tokens/[id]': {
    min: 'user',
    scope: 'write',
    // Each caller revokes a token of their own.
    request: async (fx, as) => ({ path: `/api/v1/tokens/${await fx.spareToken(as)}` }),
    extra: async (fx) => [
      {
        as: 'user',
        why: "someone else's token is not even visible",
        req: { path: `/api/v1/tokens/${await fx.spareToken('owner')}` },
        expect: 404,
      },
      {
        as: 'admin',
        why: "an administrator may revoke anyone's token",
        req: { path: `/api/v1/tokens/${await fx.spareToken('viewer')}` },
        expect: 200,
      },
    ],
  },

  'GET /api/v1/audit': {
    min: 'owner',
    scope: 'read',
    request: () => ({ path: '/api/v1/audit?limit=5' }),
  },

  'GET /api/v1/users': { min: 'admin', scope: 'read', request: () => ({ path: '/api/v1/users' }) },
  'POST /api/v1/users': {
    min: 'admin',
    scope: 'admin',
    request: (fx) => ({
      path: '/api/v1/users',
      body: { email: fx.uniqueEmail(), name: 'Created', password: fx.password },
    }),
    ok: 201,
  },
  'GET /api/v1/users/[id]': {
    min: 'admin',
    scope: 'read',
    request: (fx) => ({ path: `/api/v1/users/${fx.users.scratch.id}` }),
    extra: async (fx) =>
      ROLES.map((as) => ({
        as,
        why: 'everyone may read their own account',
        req: { path: `/api/v1/users/${fx.users[as].id}` },
        expect: 200,
      })),
  },
  'PATCH /api/v1/users/[id]': {
    min: 'admin',
    scope: 'admin',
    request: (fx) => ({ path: `/api/v1/users/${fx.users.scratch.id}`, body: { disabled: false } }),
  },

  'GET /api/v1/ecosystems/[eco]/members': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/members' }),
    denied: { user: 404 },
  },
  'PUT /api/v1/ecosystems/[eco]/members': {
    min: 'owner',
    scope: 'write',
    request: (fx) => ({
      path: '/api/v1/ecosystems/eco/members',
      body: { email: fx.users.scratch.email, role: 'viewer' },
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/members/[userId]': {
    min: 'owner',
    scope: 'write',
    // Each caller removes a member the admin has just added.
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/members/${await fx.spareMember()}`,
    }),
    ok: 204,
    denied: { user: 404 },
  },

  'POST /api/v1/tickets': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/tickets', body: { purpose: 'terminal:x' } }),
    ok: 201,
  },

  // The resource API. The fixtures are ecosystem `eco` with domain `dom`, app `app` and
  // workspace `ws`; callers who change or delete take a fresh object of their own (fx.spare).
  'GET /api/v1/ecosystems': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems' }),
    extra: async () => [
      {
        as: 'user',
        why: 'someone without roles sees an empty list, not an error',
        req: { path: '/api/v1/ecosystems?output=table' },
        expect: 200,
      },
    ],
  },
  'POST /api/v1/ecosystems': {
    min: 'admin',
    scope: 'admin',
    request: (fx) => ({
      path: '/api/v1/ecosystems',
      body: manifest('Ecosystem', fx.uniqueName('eco')),
    }),
    ok: 201,
  },
  'GET /api/v1/ecosystems/[eco]': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco' }),
    denied: { user: 404 },
  },
  'PUT /api/v1/ecosystems/[eco]': {
    min: 'owner',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco',
      body: manifest('Ecosystem', 'eco', { labels: { inventory: 'put' } }),
    }),
    denied: { user: 404 },
  },
  'PATCH /api/v1/ecosystems/[eco]': {
    min: 'owner',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco',
      body: { metadata: { annotations: { description: 'patched' } } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]': {
    min: 'admin',
    scope: 'admin',
    // A fresh ecosystem where owner, developer and viewer hold their roles, so they see it.
    request: async (fx) => ({ path: `/api/v1/ecosystems/${await fx.spare('ecosystem')}` }),
    denied: { user: 404 },
  },

  'GET /api/v1/ecosystems/[eco]/domains': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains' }),
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains': {
    min: 'owner',
    scope: 'write',
    request: (fx) => ({
      path: '/api/v1/ecosystems/eco/domains',
      body: manifest('Domain', fx.uniqueName('dom')),
    }),
    ok: 201,
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom' }),
    denied: { user: 404 },
  },
  'PUT /api/v1/ecosystems/[eco]/domains/[dom]': {
    min: 'owner',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom',
      body: manifest('Domain', 'dom', { labels: { inventory: 'put' } }),
    }),
    denied: { user: 404 },
  },
  'PATCH /api/v1/ecosystems/[eco]/domains/[dom]': {
    min: 'owner',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom',
      body: 'metadata:\n  labels:\n    patched: "yes"\n',
      headers: { 'Content-Type': 'application/yaml' },
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/domains/[dom]': {
    min: 'owner',
    scope: 'write',
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/${await fx.spare('domain')}`,
    }),
    denied: { user: 404 },
  },

  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps' }),
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps': {
    min: 'developer',
    scope: 'write',
    request: (fx) => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps',
      body: manifest('App', fx.uniqueName('app'), {}, APP_SPEC),
    }),
    ok: 201,
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app' }),
    denied: { user: 404 },
  },
  'PUT /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app',
      body: manifest('App', 'app', { labels: { inventory: 'put' } }, APP_SPEC),
    }),
    denied: { user: 404 },
  },
  'PATCH /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app',
      body: { spec: { git: { ref: 'main' } } },
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]': {
    min: 'developer',
    scope: 'write',
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/${await fx.spare('app')}`,
    }),
    denied: { user: 404 },
  },

  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces' }),
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces': {
    min: 'developer',
    scope: 'write',
    request: (fx) => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces',
      body: { metadata: { name: fx.uniqueName('ws') }, spec: {} },
    }),
    ok: 201,
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws' }),
    denied: { user: 404 },
  },
  'PUT /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws',
      body: manifest('Workspace', 'ws', { labels: { inventory: 'put' } }),
    }),
    denied: { user: 404 },
  },
  'PATCH /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws',
      body: { metadata: { labels: { patched: 'yes' } } },
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]': {
    min: 'developer',
    scope: 'write',
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/${await fx.spare('workspace')}`,
    }),
    denied: { user: 404 },
  },

  // Start and stop reach a host; this server has none (DVM_LOCAL_AGENT=off, no agent joined) and
  // the fixture workspace has no image, so a caller past authorisation gets start's 409 "no image"
  // (or 503 "no healthy host") and stop's 409 "never started". e2e/workspace-lifecycle.test.ts
  // proves the 200s against a real agent.
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/start': {
    min: 'developer',
    scope: 'write',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/start' }),
    ok: [200, 409, 503],
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/stop': {
    min: 'developer',
    scope: 'write',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/stop' }),
    ok: [200, 409],
    denied: { user: 404 },
  },

  // Builds. POST queues on `builder`, a healthy host registered through the store without an
  // agent (so the server's runner fails what it takes there); reads, cancels and logs use builds
  // queued on the pending host `host`, which no runner takes. e2e/builds.test.ts runs real ones.
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/build': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/build',
      body: { noCache: true },
    }),
    ok: 202,
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/builds': {
    min: 'viewer',
    scope: 'read',
    request: () => ({ path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds' }),
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/builds/[id]': {
    min: 'viewer',
    scope: 'read',
    request: (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds/${fx.build}`,
    }),
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/builds/[id]': {
    min: 'developer',
    scope: 'write',
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds/${await fx.spareBuild()}`,
    }),
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/builds/[id]/cancel': {
    min: 'developer',
    scope: 'write',
    request: async (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds/${await fx.spareBuild()}/cancel`,
    }),
    denied: { user: 404 },
  },
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/builds/[id]/log': {
    min: 'viewer',
    scope: 'read',
    // A finished build: the event stream replays it, says `finished` and ends.
    request: (fx) => ({
      path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds/${fx.finishedBuild}/log?follow=true`,
    }),
    denied: { user: 404 },
    extra: async (fx) => [
      {
        as: 'viewer',
        why: 'the plain log of a queued build (empty so far)',
        req: {
          path: `/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/builds/${fx.build}/log`,
        },
        expect: 200,
      },
    ],
  },

  // Terminals reach the workspace's host; the fixture workspace was never started (no placement),
  // so the list is empty, opening one is 409 "not running" and closing one is 404.
  // e2e/terminals.test.ts proves the 201s, the socket and DELETE against a real agent.
  'GET /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/terminals': {
    min: 'viewer',
    scope: 'read',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/terminals',
    }),
    denied: { user: 404 },
  },
  'POST /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/terminals': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/terminals',
      body: {},
    }),
    ok: [201, 409],
    denied: { user: 404 },
  },
  'DELETE /api/v1/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/terminals/[id]': {
    min: 'developer',
    scope: 'write',
    request: () => ({
      path: '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces/ws/terminals/x',
    }),
    ok: [200, 404],
    denied: { user: 404 },
  },

  // Hosts are outside every ecosystem: anyone signed in reads them, administrators manage them.
  'GET /api/v1/hosts': { min: 'user', scope: 'read', request: () => ({ path: '/api/v1/hosts' }) },
  'POST /api/v1/hosts': {
    min: 'admin',
    scope: 'admin',
    request: (fx) => ({ path: '/api/v1/hosts', body: { name: fx.uniqueName('host') } }),
    ok: 201,
  },
  'GET /api/v1/hosts/[name]': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/hosts/host' }),
  },
  'PATCH /api/v1/hosts/[name]': {
    min: 'admin',
    scope: 'admin',
    request: () => ({ path: '/api/v1/hosts/host', body: { labels: { inventory: 'patch' } } }),
  },
  'DELETE /api/v1/hosts/[name]': {
    min: 'admin',
    scope: 'admin',
    request: async (fx) => ({ path: `/api/v1/hosts/${await fx.spareHost()}` }),
    ok: 204,
  },
  'POST /api/v1/hosts/[name]/join-token': {
    min: 'admin',
    scope: 'admin',
    request: () => ({ path: '/api/v1/hosts/host/join-token', body: {} }),
  },
  'POST /api/v1/hosts/join': {
    public: true,
    why: 'an agent joining has no account: the one-time join token in the body is its credential, checked and throttled per address by joinHost (a wrong one is 401)',
    request: {
      path: '/api/v1/hosts/join',
      body: {
        token: `dvmj_${'A'.repeat(43)}`,
        address: '127.0.0.1:9',
        credential: 'inventory-credential-0123456789abcdef',
      },
    },
    ok: 401,
  },

  // What apply needs depends on the manifests: a workspace needs a developer of its ecosystem.
  'POST /api/v1/apply': {
    min: 'developer',
    scope: 'write',
    request: (fx) => ({
      path: '/api/v1/apply',
      body: [
        'apiVersion: devopsmaestro.io/v1',
        'kind: Workspace',
        'metadata:',
        `  name: ${fx.uniqueName('applied')}`,
        '  ecosystem: eco',
        '  domain: dom',
        '  app: app',
        '',
      ].join('\n'),
      headers: { 'Content-Type': 'application/yaml' },
    }),
    denied: { user: 404 },
  },
  'GET /api/v1/export': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/export' }),
  },
  'GET /api/v1/openapi.json': {
    min: 'user',
    scope: 'read',
    request: () => ({ path: '/api/v1/openapi.json' }),
  },
};

const APP_SPEC = { git: { url: 'https://git.example.com/inventory/app.git' } };

/** A manifest of `kind` named `name`; its parents come from the URL it is sent to. */
function manifest(
  kind: string,
  name: string,
  metadata: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
) {
  return { apiVersion: 'devopsmaestro.io/v1', kind, metadata: { name, ...metadata }, spec };
}

interface ActionRule {
  /** The code the action must answer a caller without cookies (the domain is never reached). */
  refusedWith: string;
  /** Why, when the action is not simply for signed-in users. */
  why?: string;
  /** Form fields that would be valid, so a refusal cannot come from a failed parse. */
  fields: (fx: Fixtures) => Record<string, string>;
  /** A signed-in caller without the right role, and the code they must get. */
  wrongRole?: { as: Role; refusedWith: string; fields?: (fx: Fixtures) => Record<string, string> };
}

/** Server actions, by `file#export`. They are public endpoints: each must refuse a caller with no session. */
const ACTIONS: Record<string, ActionRule> = {
  'app/account/password/actions.ts#changePasswordAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({
      currentPassword: fx.password,
      newPassword: 'a new password 123',
      confirm: 'a new password 123',
    }),
  },
  'app/setup/actions.ts#setupFirstAdminAction': {
    refusedWith: 'CONFLICT',
    why: 'first-run setup needs no session by nature; once an account exists it refuses everyone',
    fields: () => ({
      email: 'intruder@example.com',
      name: 'Intruder',
      password: 'intruder-password-1',
      confirm: 'intruder-password-1',
    }),
  },
  'app/tokens/actions.ts#createTokenAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ name: 'from nowhere', scope: 'read', expires: '7' }),
    wrongRole: {
      as: 'owner',
      refusedWith: 'FORBIDDEN',
      fields: () => ({ name: 'too broad', scope: 'admin', expires: '7' }),
    },
  },
  'app/tokens/actions.ts#revokeTokenAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ tokenId: fx.ownerTokenId }),
    wrongRole: { as: 'user', refusedWith: 'NOT_FOUND' },
  },
  'app/users/actions.ts#createUserAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ email: fx.uniqueEmail(), name: 'Nobody', password: '' }),
    wrongRole: { as: 'owner', refusedWith: 'FORBIDDEN' },
  },
  'app/users/actions.ts#setUserDisabledAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ userId: fx.users.admin.id, disabled: 'true' }),
    wrongRole: { as: 'owner', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/[eco]/members/actions.ts#addMemberAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ ecosystem: 'eco', email: fx.users.user.email, role: 'owner' }),
    wrongRole: { as: 'developer', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/[eco]/members/actions.ts#changeRoleAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ ecosystem: 'eco', userId: fx.users.viewer.id, role: 'owner' }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/[eco]/members/actions.ts#removeMemberAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ ecosystem: 'eco', userId: fx.users.owner.id }),
    wrongRole: { as: 'user', refusedWith: 'NOT_FOUND' },
  },
  'app/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/actions.ts#startWorkspaceAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ ecosystem: 'eco', domain: 'dom', app: 'app', workspace: 'ws' }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/[eco]/domains/[dom]/apps/[app]/workspaces/[ws]/actions.ts#stopWorkspaceAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ ecosystem: 'eco', domain: 'dom', app: 'app', workspace: 'ws' }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  // Hosts: administrators only (`hosts.manage`); an owner of an ecosystem is still refused.
  'app/hosts/actions.ts#createHostAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ name: 'from-nowhere', address: '', labels: 'zone=eu' }),
    wrongRole: { as: 'owner', refusedWith: 'FORBIDDEN' },
  },
  'app/hosts/actions.ts#rotateJoinTokenAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ host: 'host' }),
    wrongRole: { as: 'owner', refusedWith: 'FORBIDDEN' },
  },
  'app/hosts/actions.ts#deleteHostAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ host: 'host' }),
    wrongRole: { as: 'owner', refusedWith: 'FORBIDDEN' },
  },
  // Apply authorises each object: a viewer may look at the YAML but changing it is refused, in a
  // preview as in a real apply.
  'app/apply/actions.ts#applyYamlAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ yaml: CHANGED_WS_YAML, intent: 'apply' }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  // The hierarchy pages' create/edit/delete (one action per verb, the level in the form). The
  // use cases authorise: a viewer of `eco` is refused before anything is checked or written.
  'app/ecosystems/actions.ts#createObjectAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: (fx) => ({ level: 'domain', ecosystem: 'eco', name: fx.uniqueName('dom') }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/actions.ts#updateObjectAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({
      level: 'domain',
      ecosystem: 'eco',
      name: 'dom',
      version: '1',
      description: 'changed by a form',
      labels: '',
    }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
  'app/ecosystems/actions.ts#deleteObjectAction': {
    refusedWith: 'UNAUTHENTICATED',
    fields: () => ({ level: 'domain', ecosystem: 'eco', name: 'dom' }),
    wrongRole: { as: 'viewer', refusedWith: 'FORBIDDEN' },
  },
};

/** The fixture workspace `ws` with a label it does not have: a change, whoever sends it. */
const CHANGED_WS_YAML = [
  'apiVersion: devopsmaestro.io/v1',
  'kind: Workspace',
  'metadata:',
  '  name: ws',
  '  ecosystem: eco',
  '  domain: dom',
  '  app: app',
  '  labels:',
  '    changed-by: inventory',
  '',
].join('\n');

/** Pages anyone may see without signing in; every other page must send visitors to sign in. */
const PUBLIC_PAGES: Record<string, string> = {
  '/signin': 'the sign-in form',
  '/setup': 'first-run setup (sends visitors to sign in once an account exists)',
};

/** WebSocket paths served by server.ts, with a sample path and the ticket purpose it needs. */
const SOCKETS = [{ path: '/ws/terminals/x', purpose: 'terminal:x' }];

// ---------------------------------------------------------------------------------------------
// What the code serves
// ---------------------------------------------------------------------------------------------

const APP_DIR = path.join(PROJECT_ROOT, 'app');
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else files.push(full);
  }
  return files;
}

/** `app/api/v1/users/[id]/route.ts` → `/api/v1/users/[id]`; route groups `(x)` and slots vanish. */
function urlPathOf(file: string): string {
  const segments = path
    .relative(APP_DIR, path.dirname(file))
    .split(path.sep)
    .filter((s) => s !== '' && !/^\(.*\)$/.test(s) && !s.startsWith('@'));
  return `/${segments.join('/')}`;
}

/** The HTTP methods a route module exports, read from its source. */
function exportedMethods(source: string): string[] {
  const methods = new Set<string>();
  const names = HTTP_METHODS.join('|');
  for (const m of source.matchAll(new RegExp(`export\\s+(?:const|let|var)\\s+(${names})\\b`, 'g')))
    methods.add(m[1]!);
  for (const m of source.matchAll(
    new RegExp(`export\\s+(?:async\\s+)?function\\s*\\*?\\s*(${names})\\b`, 'g'),
  ))
    methods.add(m[1]!);
  for (const m of source.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name && HTTP_METHODS.includes(name)) methods.add(name);
    }
  }
  return [...methods].sort();
}

const routeFiles = walk(APP_DIR).filter((f) => /(^|[/\\])route\.(ts|tsx|js|mjs)$/.test(f));
const FOUND_ROUTES = new Map<string, { file: string; method: string }>();
for (const file of routeFiles) {
  for (const method of exportedMethods(readFileSync(file, 'utf8'))) {
    FOUND_ROUTES.set(`${method} ${urlPathOf(file)}`, {
      file: path.relative(PROJECT_ROOT, file),
      method,
    });
  }
}

const FOUND_PAGES = walk(APP_DIR)
  .filter((f) => /(^|[/\\])page\.(tsx|ts|jsx|js)$/.test(f))
  .map(urlPathOf)
  .map((p) => (p === '/' ? '/' : p))
  .sort();

interface FoundAction {
  id?: string;
  /** A page that imports it, where it can be POSTed. */
  page?: string;
}

/** Server actions: the build's manifest (what is reachable) ∪ exports of 'use server' files. */
function findActions(): { actions: Map<string, FoundAction>; problem?: string } {
  const actions = new Map<string, FoundAction>();
  for (const file of walk(APP_DIR).filter((f) => /\.(ts|tsx)$/.test(f))) {
    const source = readFileSync(file, 'utf8');
    if (!/^\s*(?:\/\/[^\n]*\n|\s)*['"]use server['"]/.test(source)) continue;
    for (const m of source.matchAll(
      /export\s+(?:async\s+function\s+(\w+)|const\s+(\w+)|function\s+(\w+))/g,
    )) {
      const name = m[1] ?? m[2] ?? m[3];
      actions.set(`${path.relative(PROJECT_ROOT, file)}#${name}`, {});
    }
  }
  const manifestFile = path.join(PROJECT_ROOT, '.next', 'server', 'server-reference-manifest.json');
  if (!existsSync(manifestFile)) {
    return {
      actions,
      problem: 'No .next/server/server-reference-manifest.json: run `next build`.',
    };
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    node?: Record<
      string,
      { workers: Record<string, unknown>; filename?: string; exportedName?: string }
    >;
  };
  for (const [id, entry] of Object.entries(manifest.node ?? {})) {
    const key = `${entry.filename ?? '?'}#${entry.exportedName ?? id}`;
    const worker = Object.keys(entry.workers).find((w) => w.endsWith('/page'));
    const page = worker ? urlPathOf(path.join(PROJECT_ROOT, worker)) : undefined;
    actions.set(key, { id, ...(page && { page }) });
  }
  return { actions };
}
const FOUND = findActions();

// ---------------------------------------------------------------------------------------------
// Fixtures: the server, users of every role, tokens of every scope, a browser session
// ---------------------------------------------------------------------------------------------

const ADMIN_EMAIL = 'root@inventory.test';
const PASSWORD = 'correct horse battery staple';

interface UserFx {
  id: string;
  email: string;
}

interface Fixtures {
  password: string;
  users: Record<Role | 'scratch', UserFx>;
  /** Per role: a token of the widest scope that role may hold (admin: `admin`, others: `write`). */
  tokens: Record<Role, string>;
  /** The admin's tokens by scope, to check scopes in isolation from roles. */
  adminScoped: Record<Scope, string>;
  /** The admin's browser session cookie (`name=value`). */
  adminSession: string;
  /** Every role's browser session cookie. */
  sessions: Record<Role, string>;
  /** The id of a token of the owner's, for checks that someone else cannot touch it. */
  ownerTokenId: string;
  uniqueEmail(): string;
  /** A fresh token of `as` (created with their own token); returns its id. */
  spareToken(as: Role): Promise<string>;
  /** A fresh user added to `eco` as a viewer by the admin; returns the user's id. */
  spareMember(): Promise<string>;
  /** A unique object name (a DNS label) starting with `prefix`. */
  uniqueName(prefix: string): string;
  /**
   * A fresh object at `level` under the fixtures (`eco`/`dom`/`app`), made through the store; a
   * fresh ecosystem gets owner, developer and viewer as members. Returns its name.
   */
  spare(level: 'ecosystem' | 'domain' | 'app' | 'workspace'): Promise<string>;
  /** A fresh host (no agent, nothing placed on it), made through the store. Returns its name. */
  spareHost(): Promise<string>;
  /** A build of `ws` queued on the pending host `host` (no runner takes it). */
  build: string;
  /** A build of `ws` that has finished (cancelled). */
  finishedBuild: string;
  /** A fresh queued build of `ws` (to cancel). Returns its id. */
  spareBuild(): Promise<string>;
}

let server: ServerProcess | undefined;
let store: DataStore | undefined;
let fx: Fixtures;
let counter = 0;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

type Auth = { bearer: string } | { cookie: string } | { none: true } | { basic: [string, string] };

async function send(method: string, req: Req, auth: Auth): Promise<Answer> {
  const headers: Record<string, string> = { ...req.headers };
  if ('bearer' in auth) headers.Authorization = `Bearer ${auth.bearer}`;
  if ('basic' in auth)
    headers.Authorization = `Basic ${Buffer.from(auth.basic.join(':')).toString('base64')}`;
  if ('cookie' in auth) {
    headers.Cookie = auth.cookie;
    headers.Origin = server!.baseUrl;
  }
  let body: string | undefined;
  if (req.body !== undefined) {
    if (typeof req.body === 'string') {
      body = req.body;
      headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    } else {
      body = JSON.stringify(req.body);
      headers['Content-Type'] ??= 'application/json';
    }
  }
  const response = await fetch(`${server!.baseUrl}${req.path}`, {
    method,
    headers,
    ...(body !== undefined && { body }),
    redirect: 'manual',
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as unknown,
  };
}

function matches(status: number, expected: Status | undefined): boolean {
  if (expected === undefined) return status >= 200 && status < 300;
  return Array.isArray(expected) ? expected.includes(status) : status === expected;
}

function describeAnswer(answer: Answer): string {
  return `${answer.status} ${answer.text.slice(0, 300)}`;
}

async function mustSend(method: string, req: Req, auth: Auth, expected: Status): Promise<Answer> {
  const answer = await send(method, req, auth);
  if (!matches(answer.status, expected)) {
    throw new Error(
      `fixture: ${method} ${req.path} answered ${describeAnswer(answer)}\n--- server log ---\n${server!.tail()}`,
    );
  }
  return answer;
}

async function basicToken(email: string, password: string, scope: Scope): Promise<string> {
  const answer = await mustSend(
    'POST',
    { path: '/api/v1/tokens', body: { name: `inventory ${scope} ${++counter}`, scope } },
    { basic: [email, password] },
    201,
  );
  return (answer.json() as { secret: string }).secret;
}

async function createUser(adminToken: string, label: string): Promise<UserFx> {
  const email = `${label}-${++counter}@inventory.test`;
  const answer = await mustSend(
    'POST',
    { path: '/api/v1/users', body: { email, name: label, password: PASSWORD } },
    { bearer: adminToken },
    201,
  );
  const { id } = answer.json() as { id: string };
  // Accounts created by an admin must choose their own password first; that flow is the password
  // page's to test. These users act at once.
  await store!.users.update(id, { mustChangePassword: false });
  return { id, email };
}

beforeAll(async () => {
  server = await startServer({
    name: 'inventory',
    env: {
      DVM_ADMIN_EMAIL: ADMIN_EMAIL,
      DVM_ADMIN_PASSWORD: PASSWORD,
      NEXTAUTH_SECRET: 'inventory-session-secret-0123456789abcdef',
    },
  });
  store = await openDataStore({ dataDir: server.dataDir, projectRoot: PROJECT_ROOT });
  await store.ecosystems.create({}, { name: 'eco' });
  await store.domains.create({ ecosystem: 'eco' }, { name: 'dom' });
  await store.apps.create({ ecosystem: 'eco', domain: 'dom' }, { name: 'app', spec: APP_SPEC });
  const ws = await store.workspaces.create(
    { ecosystem: 'eco', domain: 'dom', app: 'app' },
    { name: 'ws' },
  );
  await store.hosts.create({ name: 'host' });
  // Healthy for placement, but with no agent address: the server's monitor leaves it as it is.
  await store.hosts.create({ name: 'builder' });
  await store.hosts.recordHeartbeat('builder', { at: new Date(), status: 'healthy' });
  const queueBuild = async () =>
    (
      await store!.builds.create({
        workspaceId: ws.id,
        host: 'host',
        requestedBy: ADMIN_EMAIL,
        request: {},
      })
    ).id;
  const build = await queueBuild();
  const finishedBuild = await queueBuild();
  await store.builds.finish(finishedBuild, { status: 'cancelled' });

  const adminToken = await basicToken(ADMIN_EMAIL, PASSWORD, 'admin');
  const admin = (
    (await mustSend('GET', { path: '/api/v1/me' }, { bearer: adminToken }, 200)).json() as {
      user: UserFx;
    }
  ).user;
  const users = { admin: { id: admin.id, email: admin.email } } as Fixtures['users'];
  for (const role of ['owner', 'developer', 'viewer', 'user', 'scratch'] as const) {
    users[role] = await createUser(adminToken, role);
  }
  for (const role of ['owner', 'developer', 'viewer'] as const) {
    await mustSend(
      'PUT',
      { path: '/api/v1/ecosystems/eco/members', body: { userId: users[role].id, role } },
      { bearer: adminToken },
      200,
    );
  }
  const tokens = { admin: adminToken } as Record<Role, string>;
  for (const role of ['owner', 'developer', 'viewer', 'user'] as const) {
    tokens[role] = await basicToken(users[role].email, PASSWORD, 'write');
  }
  const adminScoped = {
    read: await basicToken(ADMIN_EMAIL, PASSWORD, 'read'),
    write: await basicToken(ADMIN_EMAIL, PASSWORD, 'write'),
    admin: adminToken,
  };
  const sessions = {} as Record<Role, string>;
  for (const role of ROLES)
    sessions[role] = await signInCookie(server.baseUrl, users[role].email, PASSWORD);
  const adminSession = sessions.admin;

  fx = {
    password: PASSWORD,
    users,
    tokens,
    adminScoped,
    adminSession,
    sessions,
    ownerTokenId: '',
    uniqueEmail: () => `new-${++counter}@inventory.test`,
    async spareToken(as) {
      const answer = await mustSend(
        'POST',
        { path: '/api/v1/tokens', body: { name: `spare ${++counter}`, scope: 'read' } },
        { bearer: tokens[as] },
        201,
      );
      return (answer.json() as { id: string }).id;
    },
    uniqueName: (prefix) => `${prefix}-${++counter}`,
    async spare(level) {
      const name = `spare-${level}-${++counter}`;
      const parents = { ecosystem: 'eco', domain: 'dom', app: 'app' };
      if (level === 'ecosystem') {
        await store!.ecosystems.create({}, { name });
        for (const role of ['owner', 'developer', 'viewer'] as const)
          await store!.memberships.set(name, users[role].id, role);
      } else if (level === 'domain') await store!.domains.create({ ecosystem: 'eco' }, { name });
      else if (level === 'app') {
        await store!.apps.create({ ecosystem: 'eco', domain: 'dom' }, { name, spec: APP_SPEC });
      } else await store!.workspaces.create(parents, { name });
      return name;
    },
    async spareHost() {
      const name = `spare-host-${++counter}`;
      await store!.hosts.create({ name });
      return name;
    },
    build,
    finishedBuild,
    spareBuild: queueBuild,
    async spareMember() {
      const member = await createUser(adminToken, 'member');
      await mustSend(
        'PUT',
        { path: '/api/v1/ecosystems/eco/members', body: { userId: member.id, role: 'viewer' } },
        { bearer: adminToken },
        200,
      );
      return member.id;
    },
  };
  fx.ownerTokenId = await fx.spareToken('owner');

  // Every successful answer below is checked against the document the server serves.
  const document = await mustSend(
    'GET',
    { path: '/api/v1/openapi.json' },
    { bearer: tokens.viewer },
    200,
  );
  openApi = document.json() as Record<string, unknown>;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: openApi.components });
}, 180_000);

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

function isProblem401(answer: Answer): string | undefined {
  if (answer.status !== 401) return `expected 401, got ${describeAnswer(answer)}`;
  if (!answer.headers.get('content-type')?.startsWith('application/problem+json'))
    return `401 without problem+json (${answer.headers.get('content-type')})`;
  if (!/^Bearer\b/.test(answer.headers.get('www-authenticate') ?? ''))
    return '401 without "WWW-Authenticate: Bearer"';
  return undefined;
}

let openApi: Record<string, unknown> | undefined;
let ajv: Ajv2020 | undefined;

/**
 * Whether a JSON answer of `key` (`METHOD /api/v1/...`) is what the OpenAPI document served at
 * /api/v1/openapi.json says it is; problems are always checked against the Problem schema. Routes
 * outside /api/v1 and answers that are not JSON are not described there.
 */
function documentedAnswer(key: string, answer: Answer): string[] {
  const [method, route] = key.split(' ') as [string, string];
  if (!route.startsWith('/api/v1/') || !openApi) return [];
  const type = answer.headers.get('content-type') ?? '';
  const operation = (openApi.paths as Record<string, Record<string, Record<string, unknown>>>)[
    route.replace(/\[(\w+)\]/g, '{$1}')
  ]?.[method.toLowerCase()];
  if (!operation) return [`no OpenAPI operation for ${key}`];
  const responses = operation.responses as Record<string, Record<string, unknown>>;
  const documented = responses[String(answer.status)];
  if (!documented) return [`status ${answer.status} is not documented for ${key}`];
  let schema: unknown;
  if (type.startsWith('application/problem+json')) {
    schema = { $ref: 'openapi#/components/schemas/Problem' };
  } else if (type.startsWith('application/json')) {
    const content = documented.content as Record<string, { schema: { $ref: string } }> | undefined;
    const ref = content?.['application/json']?.schema.$ref;
    if (!ref) return [`${answer.status} of ${key} is documented without a JSON body`];
    schema = { $ref: `openapi${ref}` };
  } else return [];
  const validate = ajv!.compile(schema as object);
  if (validate(answer.json())) return [];
  return [
    `the answer does not match the OpenAPI document: ${ajv!.errorsText(validate.errors)} — ${answer.text.slice(0, 300)}`,
  ];
}

describe('inventory: the tables cover everything the code serves', () => {
  it('finds the routes, pages and actions it expects to read', () => {
    expect(FOUND_ROUTES.size).toBeGreaterThan(0);
    expect(FOUND_PAGES).toContain('/');
    expect(FOUND.problem).toBeUndefined();
  });

  it('every route × method in app/ has a line in ROUTES', () => {
    const missing = [...FOUND_ROUTES]
      .filter(([key]) => !(key in ROUTES))
      .map(
        ([key, { file }]) =>
          `  ${key}  (${file}) — add it to ROUTES in e2e/route-inventory.test.ts: public (why) or ` +
          `the least role and scope that may call it, and a request that succeeds for them.`,
      );
    expect(missing, `Routes without an access rule:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every line in ROUTES is still served (no stale rules)', () => {
    const stale = Object.keys(ROUTES).filter((key) => !FOUND_ROUTES.has(key));
    expect(stale, `ROUTES lists routes that app/ no longer exports: ${stale.join(', ')}`).toEqual(
      [],
    );
  });

  it('every REST route under /api/v1 is written with apiRoute (lib/http/route.ts)', () => {
    const unwrapped: string[] = [];
    for (const [key, { file, method }] of FOUND_ROUTES) {
      if (!key.split(' ')[1]!.startsWith('/api/v1/')) continue;
      const source = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      const wrapped = new RegExp(`export\\s+const\\s+${method}\\s*=\\s*apiRoute\\b`).test(source);
      if (!wrapped) unwrapped.push(`${key} (${file})`);
    }
    expect(
      unwrapped,
      `Write these as \`export const METHOD = apiRoute(...)\` so the caller is authenticated before the handler runs:\n${unwrapped.join('\n')}`,
    ).toEqual([]);
  });

  it('every server action has a line in ACTIONS', () => {
    const missing = [...FOUND.actions.keys()]
      .filter((key) => !(key in ACTIONS))
      .map(
        (key) =>
          `  ${key} — server actions are public endpoints: add it to ACTIONS in e2e/route-inventory.test.ts ` +
          `with the code it must answer a caller without a session (UNAUTHENTICATED).`,
      );
    expect(missing, `Server actions without an access rule:\n${missing.join('\n')}`).toEqual([]);
    const stale = Object.keys(ACTIONS).filter((key) => !FOUND.actions.has(key));
    expect(stale, `ACTIONS lists actions the code no longer has`).toEqual([]);
  });
});

describe('REST routes: credentials, roles and scopes', () => {
  for (const key of Object.keys(ROUTES).sort()) {
    const entry = ROUTES[key]!;
    const method = key.split(' ')[0]!;
    if (!FOUND_ROUTES.has(key)) continue; // reported above

    if (entry.public) {
      it(`${key} is public (${entry.why})`, async () => {
        const answer = await send(method, entry.request, { none: true });
        expect(matches(answer.status, entry.ok), describeAnswer(answer)).toBe(true);
      });
      continue;
    }

    it(`${key}: ${entry.min} and above with a "${entry.scope}" token`, async () => {
      const failures: string[] = [];
      const check = async (who: string, auth: Auth, req: Req, expected: Status | undefined) => {
        const answer = await send(method, req, auth);
        if (!matches(answer.status, expected)) {
          failures.push(
            `${who}: expected ${expected ?? '2xx'}, got ${describeAnswer(answer)} (${method} ${req.path})`,
          );
        } else {
          for (const problem of documentedAnswer(key, answer))
            failures.push(`${who}: ${method} ${req.path}: ${problem}`);
        }
        return answer;
      };

      // No credentials, a token that is no token, a bad token beside a good cookie.
      const sample = await entry.request(fx, entry.min);
      const anonymous = await send(method, sample, { none: true });
      const anonymousProblem = isProblem401(anonymous);
      if (anonymousProblem) failures.push(`no credentials: ${anonymousProblem}`);
      await check('a malformed Bearer token', { bearer: 'not-a-token' }, sample, 401);
      await check(
        'an unknown token beside a valid session cookie',
        { bearer: `dvm_${'A'.repeat(43)}` },
        { ...sample, headers: { Cookie: fx.adminSession } },
        401,
      );

      // Roles: below the minimum refused, at or above allowed.
      const minRank = ROLES.indexOf(entry.min);
      for (const role of ROLES) {
        const allowed = ROLES.indexOf(role) >= minRank;
        const req = await entry.request(fx, role);
        await check(
          `${role} (token)`,
          { bearer: fx.tokens[role] },
          req,
          allowed ? entry.ok : (entry.denied?.[role] ?? 403),
        );
      }

      // Scopes, on the admin (whom no role check stops).
      for (const scope of SCOPES) {
        const allowed = SCOPES.indexOf(scope) >= SCOPES.indexOf(entry.scope);
        const req = await entry.request(fx, 'admin');
        await check(
          `admin with a "${scope}" token`,
          { bearer: fx.adminScoped[scope] },
          req,
          allowed ? entry.ok : 403,
        );
      }

      // The browser session acts like an uncapped token.
      await check(
        'admin (browser session)',
        { cookie: fx.adminSession },
        await entry.request(fx, 'admin'),
        entry.ok,
      );

      for (const extra of (await entry.extra?.(fx)) ?? []) {
        await check(
          `${extra.as}: ${extra.why}`,
          { bearer: fx.tokens[extra.as] },
          extra.req,
          extra.expect,
        );
      }

      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});

describe('REST details', () => {
  it('refuses a session-authenticated change from another site (Origin) with 403', async () => {
    const answer = await send(
      'POST',
      {
        path: '/api/v1/tickets',
        body: { purpose: 'terminal:x' },
        headers: { Cookie: fx.adminSession, Origin: 'https://evil.example' },
      },
      { none: true },
    );
    expect(answer.status, describeAnswer(answer)).toBe(403);
  });

  it('answers bad input with problem+json and field paths, never a 500', async () => {
    const answer = await send(
      'POST',
      { path: '/api/v1/tokens', body: { name: '', scope: 'root', extra: 1 } },
      { bearer: fx.tokens.admin },
    );
    expect(answer.status, describeAnswer(answer)).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = answer.json() as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('INVALID');
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['extra', 'name', 'scope']);
  });

  it('refuses non-JSON bodies (415) and oversized bodies (413)', async () => {
    const wrongType = await send(
      'POST',
      { path: '/api/v1/tickets', body: 'purpose=terminal:x' },
      { bearer: fx.tokens.admin },
    );
    expect(wrongType.status, describeAnswer(wrongType)).toBe(415);
    const huge = await send(
      'POST',
      { path: '/api/v1/tickets', body: { purpose: 'x'.repeat(2 * 1024 * 1024) } },
      { bearer: fx.tokens.admin },
    );
    expect(huge.status, describeAnswer(huge)).toBe(413);
    const broken = await send(
      'POST',
      {
        path: '/api/v1/tickets',
        body: '{"purpose": "secret-looking-value',
        headers: { 'Content-Type': 'application/json' },
      },
      { bearer: fx.tokens.admin },
    );
    expect(broken.status).toBe(400);
    expect(broken.text).not.toContain('secret-looking-value');
  });

  it('throttles password guessing on the Basic token route: 429 with Retry-After', async () => {
    const victim = fx.users.scratch.email;
    let answer: Answer | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      answer = await send(
        'POST',
        { path: '/api/v1/tokens', body: { name: 'guess' } },
        { basic: [victim, `wrong password ${attempt}`] },
      );
      if (answer.status === 429) break;
      expect(answer.status, describeAnswer(answer)).toBe(401);
    }
    expect(answer!.status, describeAnswer(answer!)).toBe(429);
    expect(Number(answer!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((answer!.json() as { code: string }).code).toBe('THROTTLED');
  });

  it('shows a token secret once: never in lists', async () => {
    const created = await send(
      'POST',
      { path: '/api/v1/tokens', body: { name: 'once' } },
      { bearer: fx.tokens.owner },
    );
    const { secret } = created.json() as { secret: string };
    expect(secret).toMatch(/^dvm_/);
    const list = await send('GET', { path: '/api/v1/tokens' }, { bearer: fx.tokens.owner });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toMatch(/secretHash|passwordHash/);
  });
});

describe('resource API details', () => {
  const WORKSPACES = '/api/v1/ecosystems/eco/domains/dom/apps/app/workspaces';
  const as = (role: Role): Auth => ({ bearer: fx.tokens[role] });

  it('creates with 201 and Location, versions with ETag, refuses a stale If-Match with 409', async () => {
    const name = fx.uniqueName('versioned');
    const created = await send(
      'POST',
      {
        path: WORKSPACES,
        body: `metadata:\n  name: ${name}\nspec:\n  shell:\n    type: zsh\n`,
        headers: { 'Content-Type': 'application/yaml' },
      },
      as('developer'),
    );
    expect(created.status, describeAnswer(created)).toBe(201);
    const location = created.headers.get('location');
    expect(location).toBe(`${WORKSPACES}/${name}`);
    expect(created.headers.get('etag')).toBe('"1"');
    // Not-yet-applied fields are warnings, in a header: the body stays a manifest.
    expect(created.headers.get('warning')).toMatch(/^299 - "spec\.shell[^"]*"/);
    const body = created.json() as { kind: string; metadata: Record<string, unknown> };
    expect(body.kind).toBe('Workspace');
    expect(body.metadata).toMatchObject({ name, ecosystem: 'eco', domain: 'dom', app: 'app' });

    const read = await send('GET', { path: location! }, as('viewer'));
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');

    const replace = (ifMatch: string) =>
      send(
        'PUT',
        {
          path: location!,
          body: { metadata: { name, labels: { step: 'two' } }, spec: {} },
          headers: { 'If-Match': ifMatch },
        },
        as('developer'),
      );
    const first = await replace('"1"');
    expect(first.status, describeAnswer(first)).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    expect(first.headers.get('warning')).toBeNull();
    const stale = await replace('"1"');
    expect(stale.status, describeAnswer(stale)).toBe(409);
    expect((stale.json() as { code: string }).code).toBe('CONFLICT');

    const patched = await send(
      'PATCH',
      { path: `${location}?expectedVersion=2`, body: { metadata: { labels: { step: null } } } },
      as('developer'),
    );
    expect(patched.status, describeAnswer(patched)).toBe(200);
    expect((patched.json() as { metadata: { labels: object } }).metadata.labels).toEqual({});
  });

  it('answers lists and objects as JSON, YAML or a table, and 406 for anything else', async () => {
    const yamlList = await send('GET', { path: `${WORKSPACES}?output=yaml` }, as('viewer'));
    expect(yamlList.headers.get('content-type')).toMatch(/^application\/yaml/);
    const parsed = parseYaml(yamlList.text) as { items: Array<{ kind: string }>; nextCursor: null };
    expect(parsed.items.length).toBeGreaterThan(0);
    expect(parsed.items.every((item) => item.kind === 'Workspace')).toBe(true);

    const accepted = await send(
      'GET',
      { path: `${WORKSPACES}/ws`, headers: { Accept: 'application/yaml' } },
      as('viewer'),
    );
    expect(accepted.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(accepted.text).toMatch(/^apiVersion: devopsmaestro\.io\/v1\nkind: Workspace\n/);

    const table = await send('GET', { path: `${WORKSPACES}?output=table` }, as('viewer'));
    expect(table.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(table.text.split('\n')[0]).toMatch(
      /^NAME\s+ECOSYSTEM\s+DOMAIN\s+APP\s+IMAGE\s+LABELS\s+AGE$/,
    );
    expect(table.text).toMatch(/^ws\s+eco\s+dom\s+app\s/m);

    const refused = await send(
      'GET',
      { path: WORKSPACES, headers: { Accept: 'image/png' } },
      as('viewer'),
    );
    expect(refused.status).toBe(406);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('filters by labelSelector (equality only) and pages with limit and cursor', async () => {
    const gold = fx.uniqueName('gold');
    await mustSend(
      'POST',
      { path: WORKSPACES, body: { metadata: { name: gold, labels: { tier: 'gold' } } } },
      as('developer'),
      201,
    );
    const filtered = await send(
      'GET',
      { path: `${WORKSPACES}?labelSelector=${encodeURIComponent('tier=gold')}` },
      as('viewer'),
    );
    expect(
      (filtered.json() as { items: Array<{ metadata: { name: string } }> }).items.map(
        (i) => i.metadata.name,
      ),
    ).toEqual([gold]);

    const unsupported = await send(
      'GET',
      { path: `${WORKSPACES}?labelSelector=${encodeURIComponent('tier!=gold')}` },
      as('viewer'),
    );
    expect(unsupported.status).toBe(400);
    expect((unsupported.json() as { errors: Array<{ path: string }> }).errors[0]!.path).toBe(
      'labelSelector',
    );

    const names: string[] = [];
    let path = `${WORKSPACES}?limit=1`;
    for (let pages = 0; pages < 100; pages++) {
      const page = await mustSend('GET', { path }, as('viewer'), 200);
      const { items, nextCursor } = page.json() as {
        items: Array<{ metadata: { name: string } }>;
        nextCursor: string | null;
      };
      expect(items.length).toBeLessThanOrEqual(1);
      names.push(...items.map((item) => item.metadata.name));
      if (nextCursor === null) break;
      expect(page.headers.get('link')).toContain('rel="next"');
      path = `${WORKSPACES}?limit=1&cursor=${encodeURIComponent(nextCursor)}`;
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(gold);
  });

  it('refuses to delete an object with children unless ?cascade=true', async () => {
    const app = await fx.spare('app');
    await store!.workspaces.create({ ecosystem: 'eco', domain: 'dom', app }, { name: 'child' });
    const path = `/api/v1/ecosystems/eco/domains/dom/apps/${app}`;
    const refused = await send('DELETE', { path }, as('developer'));
    expect(refused.status, describeAnswer(refused)).toBe(409);
    const problem = refused.json() as { code: string; detail: string };
    expect(problem.code).toBe('HAS_CHILDREN');
    expect(problem.detail).toContain('?cascade=true');
    const removed = await send('DELETE', { path: `${path}?cascade=true` }, as('developer'));
    expect(removed.status, describeAnswer(removed)).toBe(200);
    expect(removed.json()).toEqual({
      removed: { ecosystem: 0, domain: 0, app: 1, workspace: 1 },
      containers: { removed: 0, left: [] },
    });
  });

  it('apply: problems name the document, Project is converted with a Warning, dry runs write nothing', async () => {
    const bad = await send(
      'POST',
      {
        path: '/api/v1/apply',
        body: `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: ok, ecosystem: eco, domain: dom, app: app}\n---\napiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: Bad_Name, ecosystem: eco, domain: dom, app: app}\nspec: {unknown: 1}\n`,
        headers: { 'Content-Type': 'application/yaml' },
      },
      as('developer'),
    );
    expect(bad.status, describeAnswer(bad)).toBe(400);
    const paths = (bad.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['[1].metadata.name', '[1].spec.unknown']));

    const malformed = await send(
      'POST',
      {
        path: '/api/v1/apply',
        body: 'kind: [unclosed\n',
        headers: { 'Content-Type': 'application/yaml' },
      },
      as('developer'),
    );
    expect(malformed.status, describeAnswer(malformed)).toBe(400);

    const project = fx.uniqueName('legacy');
    const dry = await send(
      'POST',
      {
        path: '/api/v1/apply?dryRun=true',
        body: `apiVersion: devopsmaestro.io/v1\nkind: Project\nmetadata: {name: ${project}, ecosystem: eco, domain: dom}\nspec: {path: /srv/${project}}\n`,
        headers: { 'Content-Type': 'application/yaml' },
      },
      as('developer'),
    );
    expect(dry.status, describeAnswer(dry)).toBe(200);
    expect(dry.headers.get('warning')).toMatch(/Project is deprecated/);
    const result = dry.json() as {
      dryRun: boolean;
      items: Array<{ kind: string; result: string; convertedFrom?: string; diff?: string }>;
    };
    expect(result.dryRun).toBe(true);
    expect(result.items).toEqual([
      expect.objectContaining({ kind: 'App', result: 'created', convertedFrom: 'Project' }),
    ]);
    const notThere = await send(
      'GET',
      { path: `/api/v1/ecosystems/eco/domains/dom/apps/${project}` },
      as('developer'),
    );
    expect(notThere.status).toBe(404);
  });

  it('export as YAML applies back unchanged', async () => {
    const exported = await send(
      'GET',
      { path: '/api/v1/export', headers: { Accept: 'application/yaml' } },
      as('owner'),
    );
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(exported.text).toMatch(/^apiVersion: devopsmaestro\.io\/v1\nkind: List\n/);
    const again = await send(
      'POST',
      {
        path: '/api/v1/apply?dryRun=true',
        body: exported.text,
        headers: { 'Content-Type': 'application/yaml' },
      },
      as('owner'),
    );
    expect(again.status, describeAnswer(again)).toBe(200);
    const items = (again.json() as { items: Array<{ result: string }> }).items;
    expect(items.length).toBeGreaterThan(3);
    expect(items.every((item) => item.result === 'unchanged')).toBe(true);
  });
});

/** Calls a server action the way React does for `(previousState, formData)`; returns the RSC text. */
async function callAction(
  found: FoundAction,
  fields: Record<string, string>,
  cookie?: string,
): Promise<{ status: number; text: string }> {
  // React's reply encoding: the FormData argument `$K1` is the fields prefixed `_1_`; the root
  // (field 0) comes last so that the fields are known when it is decoded.
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(`_1_${name}`, value);
  form.append('0', JSON.stringify([{}, '$K1']));
  const response = await fetch(`${server!.baseUrl}${samplePath(found.page!)}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Next-Action': found.id!,
      Origin: server!.baseUrl,
      Accept: 'text/x-component',
      ...(cookie && { Cookie: cookie }),
    },
    body: form,
  });
  return { status: response.status, text: await response.text() };
}

/** `/ecosystems/[eco]/members` → `/ecosystems/eco/members`: dynamic segments get sample values. */
function samplePath(page: string): string {
  return page.replace(/\[\.{0,3}(\w+)\]/g, (_, name: string) => (name === 'eco' ? 'eco' : 'x'));
}

describe('server actions refuse callers without a session (and callers without the role)', () => {
  for (const [key, rule] of Object.entries(ACTIONS)) {
    it(`${key} → ${rule.refusedWith}${rule.why ? ` (${rule.why})` : ''}`, async () => {
      const found = FOUND.actions.get(key);
      expect(found?.id, `${key} is not in the build's server-reference manifest`).toBeDefined();
      expect(found?.page, `${key} is used by no page`).toBeDefined();
      const answer = await callAction(found!, rule.fields(fx));
      expect(answer.status, answer.text.slice(0, 500)).toBe(200);
      expect(answer.text, `the action did not answer code ${rule.refusedWith}`).toContain(
        `"code":"${rule.refusedWith}"`,
      );
      if (rule.wrongRole) {
        const { as, refusedWith } = rule.wrongRole;
        const fields = (rule.wrongRole.fields ?? rule.fields)(fx);
        const wrong = await callAction(found!, fields, fx.sessions[as]);
        expect(wrong.text, `as ${as}: the action did not answer code ${refusedWith}`).toContain(
          `"code":"${refusedWith}"`,
        );
      }
    });
  }
});

describe('pages send visitors without a session to sign in', () => {
  for (const page of FOUND_PAGES) {
    if (page in PUBLIC_PAGES) continue;
    it(`GET ${page}`, async () => {
      const url = samplePath(page);
      const response = await fetch(`${server!.baseUrl}${url}`, { redirect: 'manual' });
      expect([302, 303, 307, 308], `GET ${url} answered ${response.status}`).toContain(
        response.status,
      );
      expect(response.headers.get('location') ?? '').toMatch(
        /^(https?:\/\/[^/]+)?\/(signin|api\/auth\/signin|setup)\b/,
      );
    });
  }

  it('the public pages answer without a session', async () => {
    for (const page of Object.keys(PUBLIC_PAGES)) {
      const response = await fetch(`${server!.baseUrl}${page}`, { redirect: 'manual' });
      expect(response.status, `GET ${page}`).toBeLessThan(400);
    }
  });
});

/** An upgrade request; resolves with the status and body of the refusal (or 101). */
async function upgrade(
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server!.baseUrl}${pathAndQuery}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('inventory-check!').toString('base64'),
        ...headers,
      },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
      );
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 101, body: '', headers: response.headers });
    });
    request.on('error', reject);
    request.end();
  });
}

async function mintTicket(token: string, purpose: string): Promise<string> {
  const answer = await mustSend(
    'POST',
    { path: '/api/v1/tickets', body: { purpose } },
    { bearer: token },
    201,
  );
  return (answer.json() as { ticket: string }).ticket;
}

describe('WebSockets: Origin, then ticket, token or session', () => {
  for (const socket of SOCKETS) {
    it(`${socket.path}: no credentials → 401`, async () => {
      const answer = await upgrade(socket.path, { Origin: server!.baseUrl });
      expect(answer.status, answer.body).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it(`${socket.path}: a foreign Origin → 403, even with a valid session`, async () => {
      const answer = await upgrade(socket.path, {
        Origin: 'https://evil.example',
        Cookie: fx.adminSession,
      });
      expect(answer.status, answer.body).toBe(403);
    });

    it(`${socket.path}: a session cookie needs an allowed Origin`, async () => {
      const withOrigin = await upgrade(socket.path, {
        Origin: server!.baseUrl,
        Cookie: fx.adminSession,
      });
      expect(withOrigin.status, withOrigin.body).toBe(101);
      const withoutOrigin = await upgrade(socket.path, { Cookie: fx.adminSession });
      expect(withoutOrigin.status, withoutOrigin.body).toBe(401);
    });

    it(`${socket.path}: a Bearer token (non-browser clients) is accepted`, async () => {
      const answer = await upgrade(socket.path, { Authorization: `Bearer ${fx.tokens.viewer}` });
      expect(answer.status, answer.body).toBe(101);
      const bad = await upgrade(socket.path, { Authorization: `Bearer dvm_${'B'.repeat(43)}` });
      expect(bad.status, bad.body).toBe(401);
    });

    it(`${socket.path}: a ticket opens one socket, for its own purpose only`, async () => {
      const ticket = await mintTicket(fx.tokens.developer, socket.purpose);
      const first = await upgrade(`${socket.path}?ticket=${ticket}`, { Origin: server!.baseUrl });
      // Authenticated: accepted (what the caller may do with the session is told by close codes).
      expect(first.status, first.body).toBe(101);
      const again = await upgrade(`${socket.path}?ticket=${ticket}`, { Origin: server!.baseUrl });
      expect(again.status, again.body).toBe(401);

      const other = await mintTicket(fx.tokens.developer, 'terminal:some-other-session');
      const mismatched = await upgrade(`${socket.path}?ticket=${other}`, {
        Origin: server!.baseUrl,
      });
      expect(mismatched.status, mismatched.body).toBe(401);
      const forged = await upgrade(`${socket.path}?ticket=not-a-ticket`, {
        Origin: server!.baseUrl,
      });
      expect(forged.status, forged.body).toBe(401);
    });
  }

  it('other paths are not served', async () => {
    const answer = await upgrade('/not-a-socket', { Origin: server!.baseUrl });
    expect(answer.status).toBe(404);
  });
});
