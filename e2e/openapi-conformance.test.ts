// The served OpenAPI document against the real server (issue P1.3, DESIGN.md §8).
//
//   1. GET /api/v1/openapi.json is an OpenAPI 3.1 document: required fields, unique operation ids,
//      every $ref resolves, every component schema compiles as JSON Schema 2020-12 (Ajv2020).
//   2. It describes exactly the routes in app/api/v1 (every route file × exported method), and
//      nothing else.
//   3. EVERY operation in it is called with realistic requests, successes and errors, and each
//      real answer must (a) have a status the operation documents, (b) have a body that validates
//      against the schema the operation declares for that status and media type (JSON, YAML,
//      table text, problem+json), (c) carry the headers it declares where they always apply
//      (ETag, Location). Request bodies and query strings of the successful calls are validated
//      against the declared request schemas too, so the document cannot refuse what the server
//      accepts.
//
// The test prints which operations were exercised with which statuses. Needs a prior `next build`.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import Docker from 'dockerode';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashCredential, startAgentServer, type AgentServer } from '@/agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '@/agent/runtime/docker-runtime';
import { openDataStore } from '@/lib/store/open-data-store';
import {
  type Answer,
  type ApiServer,
  problemShape,
  type RequestOptions,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { dockerConnection, requireBaseImage, requireService } from '@/lib/testing/test-env';

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// ---------------------------------------------------------------------------------------------
// The route files
// ---------------------------------------------------------------------------------------------

const API_DIR = path.join(PROJECT_ROOT, 'app', 'api', 'v1');
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

/** `METHOD /api/v1/path/{param}` for every method exported by every route file under app/api/v1. */
function routeFileOperations(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of walk(API_DIR).filter((f) => /(^|[/\\])route\.(ts|tsx|js)$/.test(f))) {
    const source = readFileSync(file, 'utf8');
    const url = `/api/v1/${path
      .relative(API_DIR, path.dirname(file))
      .split(path.sep)
      .filter((s) => s !== '' && !/^\(.*\)$/.test(s))
      .map((s) => s.replace(/^\[(\w+)\]$/, '{$1}'))
      .join('/')}`.replace(/\/$/, '');
    for (const method of METHODS) {
      const exported =
        new RegExp(`export\\s+(?:const|let|var|async\\s+function|function)\\s+${method}\\b`).test(
          source,
        ) || new RegExp(`export\\s*\\{[^}]*\\b${method}\\b[^}]*\\}`).test(source);
      if (exported) found.set(`${method} ${url}`, path.relative(PROJECT_ROOT, file));
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

let api: ApiServer;
let document: Json;
let ajv: Ajv2020;
const validators = new Map<string, ValidateFunction>();

/** The value a local `$ref` (`#/components/...`) points at. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function deref<T = Json>(node: unknown): T {
  let current = node;
  for (let i = 0; i < 10 && current && typeof current === 'object' && '$ref' in current; i++)
    current = resolvePointer((current as { $ref: string }).$ref);
  return current as T;
}

function operationOf(method: Method, template: string): Json | undefined {
  return (document.paths as Record<string, Json>)[template]?.[method.toLowerCase()] as
    Json | undefined;
}

/** A validator for a schema object of the document (by JSON pointer, so refs resolve). */
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function pointerOf(...segments: string[]): string {
  return `#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

// ---------------------------------------------------------------------------------------------
// Calling operations and checking answers
// ---------------------------------------------------------------------------------------------

interface Call {
  /** `METHOD /api/v1/template/{param}` — the operation. */
  op: string;
  /** What this call shows. */
  why: string;
  /** The concrete path with query. */
  path: string;
  options?: RequestOptions;
  /** The status this call must get. */
  status: number;
}

const exercised = new Map<string, Set<string>>();
const failures: string[] = [];

function mediaType(answer: Answer): string {
  return answer.type;
}

/** Checks `answer` against the document; returns the problems found. */
function conformance(call: Call, answer: Answer): string[] {
  const [method, template] = call.op.split(' ') as [Method, string];
  const operation = operationOf(method, template);
  if (!operation) return [`${call.op} is not in the document`];
  const responses = operation.responses as Record<string, unknown>;
  const declared = responses[String(answer.status)];
  if (declared === undefined)
    return [
      `status ${answer.status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
    ];
  const response = deref(declared);
  const content = response.content as Record<string, { schema: unknown }> | undefined;
  const problems: string[] = [];
  if (answer.status === 204 || content === undefined) {
    if (answer.text !== '')
      problems.push(`documented without a body, but got ${answer.text.slice(0, 80)}`);
    return problems;
  }
  const type = mediaType(answer);
  const entry = content[type];
  if (!entry)
    return [
      `media type ${type} is not documented for ${answer.status} (${Object.keys(content).join(', ')})`,
    ];
  let body: unknown;
  try {
    // An event stream is checked for its media type only; e2e/builds.test.ts reads its events.
    body =
      type === 'text/plain' || type === 'text/event-stream'
        ? answer.text
        : type === 'application/yaml'
          ? parseYaml(answer.text)
          : JSON.parse(answer.text);
  } catch (error) {
    return [`the ${type} body does not parse: ${String(error)}`];
  }
  // Schemas are validated through their place in the document, so every $ref resolves there.
  const responsePointer =
    typeof declared === 'object' && declared !== null && '$ref' in declared
      ? (declared as { $ref: string }).$ref
      : pointerOf('paths', template, method.toLowerCase(), 'responses', String(answer.status));
  const validate = validatorAt(`${responsePointer}/content/${type.replace(/\//g, '~1')}/schema`);
  if (!validate(body))
    problems.push(
      `the ${type} body does not match the declared schema: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 600)}`,
    );
  // Headers documented for a success that always apply.
  const headers = Object.keys((response.headers as Json | undefined) ?? {});
  if (answer.status < 300) {
    for (const header of headers.filter((h) => h === 'ETag' || h === 'Location'))
      if (!answer.headers.get(header)) problems.push(`declared header ${header} is missing`);
    for (const header of ['etag', 'location', 'warning', 'link'])
      if (
        answer.headers.get(header) &&
        !headers.some((h) => h.toLowerCase() === header) &&
        !(header === 'etag' && method === 'GET' && type === 'text/plain')
      )
        problems.push(`header ${header} is sent but not documented`);
  }
  return problems;
}

/** For a call that must succeed: its body and query are valid by the document's request schemas. */
function requestConformance(call: Call): string[] {
  const [method, template] = call.op.split(' ') as [Method, string];
  const operation = operationOf(method, template);
  if (!operation) return [];
  const problems: string[] = [];
  const url = new URL(call.path, 'http://x');
  const parameters = ((operation.parameters as Json[] | undefined) ?? []).map((p) => deref(p));
  for (const [name, value] of url.searchParams) {
    const index = parameters.findIndex((p) => p.in === 'query' && p.name === name);
    if (index === -1) {
      problems.push(`query parameter ${name} is not documented`);
      continue;
    }
    const schema = parameters[index]!.schema as Json;
    // Query values arrive as strings; numbers are coerced by the server (and by OpenAPI clients).
    const typed = schema.type === 'number' || schema.type === 'integer' ? Number(value) : value;
    const validate = validatorAt(
      pointerOf('paths', template, method.toLowerCase(), 'parameters', String(index), 'schema'),
    );
    if (!validate(typed))
      problems.push(
        `query ${name}=${value} is refused by its schema: ${ajv.errorsText(validate.errors)}`,
      );
  }
  for (const parameter of parameters.filter((p) => p.in === 'query' && p.required === true))
    if (!url.searchParams.has(parameter.name as string))
      problems.push(`required query parameter ${String(parameter.name)} was not sent`);
  const options = call.options ?? {};
  if (options.json !== undefined || options.yaml !== undefined) {
    const requestBody = deref(operation.requestBody);
    const content = (requestBody?.content ?? {}) as Record<string, { schema: Json }>;
    const type =
      options.contentType ?? (options.json !== undefined ? 'application/json' : 'application/yaml');
    const entry = content[type];
    if (!entry) problems.push(`request media type ${type} is not documented`);
    else {
      const body =
        options.json !== undefined
          ? options.json
          : entry.schema.type === 'string'
            ? options.yaml
            : parseYaml(options.yaml!);
      const validate = validatorAt(
        pointerOf(
          'paths',
          template,
          method.toLowerCase(),
          'requestBody',
          'content',
          type,
          'schema',
        ),
      );
      if (!validate(body))
        problems.push(
          `the request body is refused by the documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 400)}`,
        );
    }
  }
  return problems;
}

async function run(call: Call): Promise<Answer> {
  const [method] = call.op.split(' ') as [Method];
  const answer = await api.request(method, call.path, call.options);
  const problems: string[] = [];
  if (answer.status !== call.status)
    problems.push(`expected ${call.status}, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  problems.push(...conformance(call, answer));
  if (call.status < 300) problems.push(...requestConformance(call));
  if (problems.length > 0)
    failures.push(
      `${call.op} — ${call.why} (${method} ${call.path.slice(0, 120)}):\n    ${problems.join('\n    ')}`,
    );
  const statuses = exercised.get(call.op) ?? new Set<string>();
  statuses.add(
    answer.type === 'application/json' ||
      answer.type === 'application/problem+json' ||
      answer.type === ''
      ? String(answer.status)
      : `${answer.status} ${answer.type.split('/')[1]}`,
  );
  exercised.set(call.op, statuses);
  return answer;
}

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

const PASSWORD = 'conformance password 123';
const manifest = (kind: string, metadata: Json, spec: Json = {}) => ({
  apiVersion: 'devopsmaestro.io/v1',
  kind,
  metadata,
  spec,
});

interface World {
  viewer: { id: string; token: string };
  /** An account whose password is about to be guessed wrong too often. */
  throttled: { email: string };
  plain: { id: string; token: string; email: string };
  readToken: string;
  spareTokenId: () => Promise<string>;
}

let world: World;
/** A real agent (its gRPC service over a unix socket, on the test engine) for hosts to join. */
let agent: AgentServer;
let agentDir: string;
const AGENT_CREDENTIAL = 'conformance-agent-credential-0123456789';

async function user(label: string): Promise<{ id: string; email: string; token: string }> {
  const email = `${label}@conformance.test`;
  const created = await api.must('POST', '/api/v1/users', 201, {
    json: { email, name: label, password: PASSWORD },
  });
  const id = created.json<{ id: string }>().id;
  const store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
  await store.users.update(id, { mustChangePassword: false });
  await store.close();
  return { id, email, token: await api.mintToken(email, PASSWORD, 'write') };
}

beforeAll(async () => {
  const dockerHost = requireService('docker');
  agentDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dvm-openapi-agent-')));
  mkdirSync(path.join(agentDir, 'src'));
  agent = await startAgentServer({
    address: `unix://${path.join(agentDir, 'agent.sock')}`,
    credentialHash: hashCredential(AGENT_CREDENTIAL),
    runtime: new DockerRuntime({
      connection: dockerConnectionFor(dockerHost),
      allowedMountRoots: [agentDir],
    }),
    env: { DOCKER_HOST: dockerHost },
    fileExists: () => false,
  });
  api = await startApiServer({ name: 'openapi' });
  const answer = await api.must('GET', '/api/v1/openapi.json', 200);
  document = answer.json<Json>();
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi');

  await api.must('POST', '/api/v1/apply', 200, {
    json: [
      manifest('Ecosystem', { name: 'conf', labels: { team: 'core' } }, { theme: 'nord' }),
      manifest('Domain', { name: 'dom', ecosystem: 'conf' }),
      manifest('App', { name: 'app', ecosystem: 'conf', domain: 'dom' }, { path: '/srv/app' }),
      manifest('Workspace', { name: 'ws', ecosystem: 'conf', domain: 'dom', app: 'app' }),
    ],
  });
  const viewer = await user('viewer');
  await api.must('PUT', '/api/v1/ecosystems/conf/members', 200, {
    json: { userId: viewer.id, role: 'viewer' },
  });
  const plain = await user('plain');
  const throttled = await user('throttled');
  world = {
    viewer,
    plain,
    throttled,
    readToken: await api.mintToken(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, 'read'),
    async spareTokenId() {
      const made = await api.must('POST', '/api/v1/tokens', 201, {
        json: { name: 'spare', scope: 'read' },
      });
      return made.json<{ id: string }>().id;
    },
  };
});

afterAll(async () => {
  if (exercised.size > 0) {
    const lines = [...exercised]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, statuses]) => `  ${op.padEnd(78)} ${[...statuses].sort().join(', ')}`);
    console.log(`OpenAPI operations exercised (${exercised.size}):\n${lines.join('\n')}`);
  }
  await api?.stop();
  // The workspace started below is deleted by its last call; this catches a failed run.
  if (agentDir) {
    const docker = new Docker(dockerConnection());
    await docker
      .getContainer('dvm_conf_dom_runapp_run')
      .remove({ force: true })
      .catch(() => undefined);
  }
  await agent?.stop();
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The calls: for every operation, successes and errors
// ---------------------------------------------------------------------------------------------

const LEVELS = [
  {
    kind: 'Ecosystem',
    collection: '/api/v1/ecosystems',
    item: '/api/v1/ecosystems/{eco}',
    parents: [] as string[],
    spec: { theme: 'nord' },
  },
  {
    kind: 'Domain',
    collection: '/api/v1/ecosystems/{eco}/domains',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}',
    parents: ['conf'],
    spec: { env: { A: '1' } },
  },
  {
    kind: 'App',
    collection: '/api/v1/ecosystems/{eco}/domains/{dom}/apps',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}',
    parents: ['conf', 'dom'],
    spec: { path: '/srv/x', ports: [8080] },
  },
  {
    kind: 'Workspace',
    collection: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces',
    item: '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}',
    parents: ['conf', 'dom', 'app'],
    spec: { shell: { type: 'zsh' } },
  },
] as const;

/** Fills a template's parameters in order. */
function fill(template: string, ...values: string[]): string {
  let i = 0;
  return template.replace(/\{\w+\}/g, () => encodeURIComponent(values[i++] ?? 'missing'));
}

function resourceCalls(level: (typeof LEVELS)[number]): Array<() => Call> {
  const { kind, collection, item, parents } = level;
  const name = `c-${kind.toLowerCase()}`;
  const body = manifest(kind, { name, labels: { made: 'conformance' } }, level.spec);
  const list = `GET ${collection}`;
  const create = `POST ${collection}`;
  const read = `GET ${item}`;
  const replace = `PUT ${item}`;
  const patch = `PATCH ${item}`;
  const remove = `DELETE ${item}`;
  const at = fill(item, ...parents, name);
  const missingParent =
    parents.length > 0 ? fill(collection, ...parents.slice(0, -1), 'nope') : undefined;
  const viewer = () => world.viewer.token;
  // The viewer holds a role in `conf` only: at the ecosystem level, that is the one to try.
  const viewerAt = kind === 'Ecosystem' ? fill(item, 'conf') : at;
  const calls: Array<() => Call> = [
    () => ({
      op: create,
      why: 'create (JSON)',
      path: fill(collection, ...parents),
      options: { json: body },
      status: 201,
    }),
    () => ({
      op: create,
      why: 'create, answered as YAML',
      path: `${fill(collection, ...parents)}?output=yaml`,
      options: { json: { ...body, metadata: { name: `${name}-y` } } },
      status: 201,
    }),
    () => ({
      op: create,
      why: 'create from YAML, answered as a table',
      path: `${fill(collection, ...parents)}?output=table`,
      options: { yaml: `metadata:\n  name: ${name}-t\nspec: ${JSON.stringify(level.spec)}\n` },
      status: 201,
    }),
    () => ({
      op: create,
      why: 'a bad name',
      path: fill(collection, ...parents),
      options: { json: { ...body, metadata: { name: 'Bad Name' } } },
      status: 400,
    }),
    () => ({
      op: create,
      why: 'no credentials',
      path: fill(collection, ...parents),
      options: { json: body, token: null },
      status: 401,
    }),
    () => ({
      op: create,
      why: 'a viewer',
      path: fill(collection, ...parents),
      options: { json: body, token: viewer() },
      status: kind === 'Ecosystem' ? 403 : 403,
    }),
    () => ({
      op: create,
      why: 'Accept nothing producible',
      path: fill(collection, ...parents),
      options: { json: body, headers: { Accept: 'application/xml' } },
      status: 406,
    }),
    () => ({
      op: create,
      why: 'already exists',
      path: fill(collection, ...parents),
      options: { json: body },
      status: 409,
    }),
    () => ({
      op: create,
      why: 'over 1 MiB',
      path: fill(collection, ...parents),
      options: {
        json: { ...body, metadata: { name, annotations: { x: 'x'.repeat(1024 * 1024) } } },
      },
      status: 413,
    }),
    () => ({
      op: create,
      why: 'text/plain body',
      path: fill(collection, ...parents),
      options: { body: 'name: x', contentType: 'text/plain' },
      status: 415,
    }),

    () => ({
      op: list,
      why: 'list (JSON)',
      path: `${fill(collection, ...parents)}?limit=2`,
      status: 200,
    }),
    () => ({
      op: list,
      why: 'list as YAML with a label selector',
      path: `${fill(collection, ...parents)}?output=yaml&labelSelector=made%3Dconformance`,
      status: 200,
    }),
    () => ({
      op: list,
      why: 'list as a table',
      path: `${fill(collection, ...parents)}?output=table`,
      status: 200,
    }),
    () => ({
      op: list,
      why: 'limit=0',
      path: `${fill(collection, ...parents)}?limit=0`,
      status: 400,
    }),
    () => ({
      op: list,
      why: 'no credentials',
      path: fill(collection, ...parents),
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: list,
      why: 'Accept nothing producible',
      path: fill(collection, ...parents),
      options: { headers: { Accept: 'image/png' } },
      status: 406,
    }),

    () => ({ op: read, why: 'read (JSON)', path: at, status: 200 }),
    () => ({
      op: read,
      why: 'read by Accept: application/yaml',
      path: at,
      options: { headers: { Accept: 'application/yaml' } },
      status: 200,
    }),
    () => ({ op: read, why: 'read as a table', path: `${at}?output=table`, status: 200 }),
    () => ({
      op: read,
      why: 'read by a viewer',
      path: viewerAt,
      options: { token: viewer() },
      status: 200,
    }),
    () => ({ op: read, why: 'an unknown query parameter', path: `${at}?colour=red`, status: 400 }),
    () => ({ op: read, why: 'no credentials', path: at, options: { token: null }, status: 401 }),
    () => ({ op: read, why: 'does not exist', path: fill(item, ...parents, 'nope'), status: 404 }),
    () => ({
      op: read,
      why: 'a user without a role in the ecosystem',
      path: at,
      options: { token: world.plain.token },
      status: 404,
    }),
    () => ({
      op: read,
      why: 'Accept nothing producible',
      path: at,
      options: { headers: { Accept: 'text/html' } },
      status: 406,
    }),

    () => ({
      op: replace,
      why: 'replace (JSON)',
      path: at,
      options: {
        json: { ...body, metadata: { name, labels: { made: 'conformance', put: 'yes' } } },
      },
      status: 200,
    }),
    () => ({
      op: replace,
      why: 'replace (YAML) with If-Match, answered as YAML',
      path: `${at}?output=yaml`,
      options: {
        yaml: `metadata:\n  name: ${name}\n  labels: {made: conformance}\nspec: ${JSON.stringify(level.spec)}\n`,
        headers: { 'If-Match': '"2"' },
      },
      status: 200,
    }),
    () => ({
      op: replace,
      why: 'a body naming another object',
      path: at,
      options: { json: { ...body, metadata: { name: 'other' } } },
      status: 400,
    }),
    () => ({
      op: replace,
      why: 'no credentials',
      path: at,
      options: { json: body, token: null },
      status: 401,
    }),
    () => ({
      op: replace,
      why: 'a viewer',
      path: viewerAt,
      options: { json: body, token: viewer() },
      status: 403,
    }),
    () => ({
      op: replace,
      why: 'does not exist',
      path: fill(item, ...parents, 'nope'),
      options: { json: { ...body, metadata: { name: 'nope' } } },
      status: 404,
    }),
    () => ({
      op: replace,
      why: 'Accept nothing producible',
      path: at,
      options: { json: body, headers: { Accept: 'application/xml' } },
      status: 406,
    }),
    () => ({
      op: replace,
      why: 'a stale If-Match',
      path: at,
      options: { json: body, headers: { 'If-Match': '"1"' } },
      status: 409,
    }),
    () => ({
      op: replace,
      why: 'over 1 MiB',
      path: at,
      options: {
        body: `{"spec":{"x":"${'x'.repeat(1024 * 1024)}"}}`,
        contentType: 'application/json',
      },
      status: 413,
    }),
    () => ({
      op: replace,
      why: 'an XML body',
      path: at,
      options: { body: '<x/>', contentType: 'application/xml' },
      status: 415,
    }),

    () => ({
      op: patch,
      why: 'merge patch',
      path: at,
      options: {
        json: { metadata: { labels: { patched: 'yes' } } },
        contentType: 'application/merge-patch+json',
      },
      status: 200,
    }),
    () => ({
      op: patch,
      why: 'merge patch as YAML, answered as a table',
      path: `${at}?output=table`,
      options: { yaml: 'metadata:\n  labels:\n    patched: null\n' },
      status: 200,
    }),
    () => ({
      op: patch,
      why: 'an unknown field',
      path: at,
      options: { json: { spec: { nope: 1 } } },
      status: 400,
    }),
    () => ({
      op: patch,
      why: 'no credentials',
      path: at,
      options: { json: {}, token: null },
      status: 401,
    }),
    () => ({
      op: patch,
      why: 'a viewer',
      path: viewerAt,
      options: { json: {}, token: viewer() },
      status: 403,
    }),
    () => ({
      op: patch,
      why: 'does not exist',
      path: fill(item, ...parents, 'nope'),
      options: { json: {} },
      status: 404,
    }),
    () => ({
      op: patch,
      why: 'Accept nothing producible',
      path: at,
      options: { json: {}, headers: { Accept: 'application/xml' } },
      status: 406,
    }),
    () => ({
      op: patch,
      why: 'a stale expectedVersion',
      path: `${at}?expectedVersion=1`,
      options: { json: { metadata: { labels: { x: 'y' } } } },
      status: 409,
    }),
    () => ({
      op: patch,
      why: 'over 1 MiB',
      path: at,
      options: {
        body: `{"spec":{"x":"${'x'.repeat(1024 * 1024)}"}}`,
        contentType: 'application/json',
      },
      status: 413,
    }),
    () => ({
      op: patch,
      why: 'a form body',
      path: at,
      options: { body: 'a=b', contentType: 'application/x-www-form-urlencoded' },
      status: 415,
    }),

    () => ({
      op: remove,
      why: 'delete a leaf',
      path: fill(item, ...parents, `${name}-y`),
      status: 200,
    }),
    () => ({
      op: remove,
      why: 'delete as a table',
      path: `${fill(item, ...parents, `${name}-t`)}?output=table`,
      status: 200,
    }),
    () => ({ op: remove, why: 'cascade=maybe', path: `${at}?cascade=maybe`, status: 400 }),
    () => ({ op: remove, why: 'no credentials', path: at, options: { token: null }, status: 401 }),
    () => ({
      op: remove,
      why: 'a viewer',
      path: viewerAt,
      options: { token: viewer() },
      status: 403,
    }),
    () => ({
      op: remove,
      why: 'does not exist',
      path: fill(item, ...parents, 'nope'),
      status: 404,
    }),
    () => ({
      op: remove,
      why: 'Accept nothing producible',
      path: at,
      options: { headers: { Accept: 'application/xml' } },
      status: 406,
    }),
  ];
  if (missingParent) {
    calls.push(
      () => ({ op: list, why: 'the parent does not exist', path: missingParent, status: 404 }),
      () => ({
        op: create,
        why: 'the parent does not exist',
        path: missingParent,
        options: { json: body },
        status: 404,
      }),
    );
  }
  // HAS_CHILDREN: the fixture object of this level has children (except workspaces).
  if (kind !== 'Workspace') {
    const fixture = fill(item, ...['conf', 'dom', 'app'].slice(0, parents.length + 1));
    calls.push(() => ({ op: remove, why: 'has children', path: fixture, status: 409 }));
  }
  return calls;
}

const APPLY = 'POST /api/v1/apply';
const EXPORT = 'GET /api/v1/export';

function otherCalls(): Array<() => Call | Promise<Call>> {
  const eco = (name: string) => manifest('Ecosystem', { name });
  const domainYaml =
    'apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: applied, ecosystem: conf}\n';
  return [
    () => ({
      op: APPLY,
      why: 'apply YAML',
      path: '/api/v1/apply',
      options: { yaml: domainYaml },
      status: 200,
    }),
    () => ({
      op: APPLY,
      why: 'apply a JSON array, dry run',
      path: '/api/v1/apply?dryRun=true',
      options: { json: [eco('dry1'), eco('dry2')] },
      status: 200,
    }),
    () => ({
      op: APPLY,
      why: 'apply a kind: List, answered as YAML',
      path: '/api/v1/apply?output=yaml',
      options: {
        json: { apiVersion: 'devopsmaestro.io/v1', kind: 'List', items: [eco('listed')] },
      },
      status: 200,
    }),
    () => ({
      op: APPLY,
      why: 'apply a Project (Warning header), as a table',
      path: '/api/v1/apply?output=table',
      options: {
        yaml: 'apiVersion: devopsmaestro.io/v1\nkind: Project\nmetadata: {name: proj, ecosystem: conf, domain: dom}\nspec: {path: /srv/p}\n',
      },
      status: 200,
    }),
    () => ({
      op: APPLY,
      why: 'invalid documents',
      path: '/api/v1/apply',
      options: { yaml: 'kind: Nope\n---\nkind: Ecosystem\n' },
      status: 400,
    }),
    () => ({
      op: APPLY,
      why: 'no credentials',
      path: '/api/v1/apply',
      options: { yaml: domainYaml, token: null },
      status: 401,
    }),
    () => ({
      op: APPLY,
      why: 'a viewer changing a domain',
      path: '/api/v1/apply',
      options: { yaml: domainYaml.replace('applied', 'viewer-made'), token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: APPLY,
      why: 'a missing parent',
      path: '/api/v1/apply',
      options: { json: manifest('Domain', { name: 'x', ecosystem: 'absent' }) },
      status: 404,
    }),
    () => ({
      op: APPLY,
      why: 'Accept nothing producible',
      path: '/api/v1/apply',
      options: { yaml: domainYaml, headers: { Accept: 'application/xml' } },
      status: 406,
    }),
    () => ({
      op: APPLY,
      why: 'over 4 MiB',
      path: '/api/v1/apply',
      options: { yaml: `# ${'x'.repeat(4 * 1024 * 1024)}\n` },
      status: 413,
    }),
    () => ({
      op: APPLY,
      why: 'a form body',
      path: '/api/v1/apply',
      options: { body: 'kind=Ecosystem', contentType: 'application/x-www-form-urlencoded' },
      status: 415,
    }),

    () => ({ op: EXPORT, why: 'export (JSON)', path: '/api/v1/export', status: 200 }),
    () => ({ op: EXPORT, why: 'export as YAML', path: '/api/v1/export?output=yaml', status: 200 }),
    () => ({
      op: EXPORT,
      why: 'export as a table',
      path: '/api/v1/export',
      options: { headers: { Accept: 'text/plain' } },
      status: 200,
    }),
    () => ({
      op: EXPORT,
      why: 'a viewer exports what they can read',
      path: '/api/v1/export',
      options: { token: world.viewer.token },
      status: 200,
    }),
    () => ({
      op: EXPORT,
      why: 'an unknown query parameter',
      path: '/api/v1/export?all=true',
      status: 400,
    }),
    () => ({
      op: EXPORT,
      why: 'no credentials',
      path: '/api/v1/export',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: EXPORT,
      why: 'Accept nothing producible',
      path: '/api/v1/export',
      options: { headers: { Accept: 'application/xml' } },
      status: 406,
    }),

    () => ({
      op: 'GET /api/v1/openapi.json',
      why: 'the document',
      path: '/api/v1/openapi.json',
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/openapi.json',
      why: 'no credentials',
      path: '/api/v1/openapi.json',
      options: { token: null },
      status: 401,
    }),
    // The route parses its (empty) query and refuses anything in it: that answer must be documented.
    () => ({
      op: 'GET /api/v1/openapi.json',
      why: 'an unknown query parameter',
      path: '/api/v1/openapi.json?format=yaml',
      status: 400,
    }),

    () => ({ op: 'GET /api/v1/me', why: 'who am I (token)', path: '/api/v1/me', status: 200 }),
    () => ({
      op: 'GET /api/v1/me',
      why: 'a viewer',
      path: '/api/v1/me',
      options: { token: world.viewer.token },
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/me',
      why: 'no credentials',
      path: '/api/v1/me',
      options: { token: null },
      status: 401,
    }),

    () => ({ op: 'GET /api/v1/tokens', why: 'my tokens', path: '/api/v1/tokens', status: 200 }),
    () => ({
      op: 'GET /api/v1/tokens',
      why: "an admin reading another user's tokens",
      path: `/api/v1/tokens?userId=${world.viewer.id}`,
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/tokens',
      why: 'an unknown query parameter',
      path: '/api/v1/tokens?all=1',
      status: 400,
    }),
    () => ({
      op: 'GET /api/v1/tokens',
      why: 'no credentials',
      path: '/api/v1/tokens',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'GET /api/v1/tokens',
      why: "a user reading another user's tokens",
      path: `/api/v1/tokens?userId=${world.viewer.id}`,
      options: { token: world.plain.token },
      status: 403,
    }),
    () => ({
      op: 'GET /api/v1/tokens',
      why: 'an unknown user',
      path: '/api/v1/tokens?userId=nobody',
      status: 404,
    }),

    () => ({
      op: 'POST /api/v1/tokens',
      why: 'create with a token',
      path: '/api/v1/tokens',
      options: { json: { name: 'made by conformance', scope: 'read', expiresInDays: 30 } },
      status: 201,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'create with HTTP Basic',
      path: '/api/v1/tokens',
      options: {
        json: { name: 'basic' },
        token: null,
        headers: {
          Authorization: `Basic ${Buffer.from(`${world.plain.email}:${PASSWORD}`).toString('base64')}`,
        },
      },
      status: 201,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'both expiries',
      path: '/api/v1/tokens',
      options: { json: { name: 'x', expiresInDays: 1, expiresAt: '2999-01-01T00:00:00Z' } },
      status: 400,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'a wrong password',
      path: '/api/v1/tokens',
      options: {
        json: { name: 'x' },
        token: null,
        headers: {
          Authorization: `Basic ${Buffer.from(`${world.plain.email}:wrong`).toString('base64')}`,
        },
      },
      status: 401,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'a read token asking for write',
      path: '/api/v1/tokens',
      options: { json: { name: 'wider', scope: 'write' }, token: world.readToken },
      status: 403,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'over 1 MiB',
      path: '/api/v1/tokens',
      options: { json: { name: 'x'.repeat(1024 * 1024 + 1) } },
      status: 413,
    }),
    () => ({
      op: 'POST /api/v1/tokens',
      why: 'a YAML body',
      path: '/api/v1/tokens',
      options: { yaml: 'name: x\n' },
      status: 415,
    }),

    async () => {
      // Five wrong passwords are free; the sixth must wait (429 with Retry-After).
      const wrong = {
        Authorization: `Basic ${Buffer.from(`${world.throttled.email}:wrong`).toString('base64')}`,
      };
      for (let attempt = 0; attempt < 5; attempt++)
        await api.must('POST', '/api/v1/tokens', 401, {
          json: { name: 'x' },
          token: null,
          headers: wrong,
        });
      return {
        op: 'POST /api/v1/tokens',
        why: 'too many wrong passwords',
        path: '/api/v1/tokens',
        options: { json: { name: 'x' }, token: null, headers: wrong },
        status: 429,
      };
    },
    async () => ({
      op: 'DELETE /api/v1/tokens/{id}',
      why: 'revoke',
      path: `/api/v1/tokens/${await world.spareTokenId()}`,
      status: 200,
    }),
    async () => ({
      op: 'DELETE /api/v1/tokens/{id}',
      why: 'no credentials',
      path: `/api/v1/tokens/${await world.spareTokenId()}`,
      options: { token: null },
      status: 401,
    }),
    async () => ({
      op: 'DELETE /api/v1/tokens/{id}',
      why: 'a read-scope token revoking another',
      path: `/api/v1/tokens/${await world.spareTokenId()}`,
      options: { token: world.readToken },
      status: 403,
    }),
    () => ({
      op: 'DELETE /api/v1/tokens/{id}',
      why: 'unknown',
      path: '/api/v1/tokens/nope',
      status: 404,
    }),

    () => ({
      op: 'GET /api/v1/audit',
      why: 'the log, filtered',
      path: '/api/v1/audit?limit=5&source=api&ecosystem=conf',
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/audit',
      why: 'a bad source',
      path: '/api/v1/audit?source=robot',
      status: 400,
    }),
    () => ({
      op: 'GET /api/v1/audit',
      why: 'no credentials',
      path: '/api/v1/audit',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'GET /api/v1/audit',
      why: 'a viewer',
      path: '/api/v1/audit',
      options: { token: world.viewer.token },
      status: 403,
    }),

    () => ({
      op: 'GET /api/v1/users',
      why: 'the accounts',
      path: '/api/v1/users?limit=2',
      status: 200,
    }),
    () => ({ op: 'GET /api/v1/users', why: 'limit=0', path: '/api/v1/users?limit=0', status: 400 }),
    () => ({
      op: 'GET /api/v1/users',
      why: 'no credentials',
      path: '/api/v1/users',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'GET /api/v1/users',
      why: 'not an administrator',
      path: '/api/v1/users',
      options: { token: world.plain.token },
      status: 403,
    }),

    () => ({
      op: 'POST /api/v1/users',
      why: 'create',
      path: '/api/v1/users',
      options: { json: { email: 'new@conformance.test', name: 'New' } },
      status: 201,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'an unknown field',
      path: '/api/v1/users',
      options: { json: { email: 'x@conformance.test', role: 'admin' } },
      status: 400,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'no credentials',
      path: '/api/v1/users',
      options: { json: { email: 'y@conformance.test' }, token: null },
      status: 401,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'not an administrator',
      path: '/api/v1/users',
      options: { json: { email: 'z@conformance.test' }, token: world.plain.token },
      status: 403,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'the email is taken',
      path: '/api/v1/users',
      options: { json: { email: 'new@conformance.test' } },
      status: 409,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'over 1 MiB',
      path: '/api/v1/users',
      options: { json: { email: `${'x'.repeat(1024 * 1024)}@x.io` } },
      status: 413,
    }),
    () => ({
      op: 'POST /api/v1/users',
      why: 'a form body',
      path: '/api/v1/users',
      options: { body: 'email=a', contentType: 'application/x-www-form-urlencoded' },
      status: 415,
    }),

    () => ({
      op: 'GET /api/v1/users/{id}',
      why: 'an account',
      path: `/api/v1/users/${world.viewer.id}`,
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/users/{id}',
      why: 'my own account, not an administrator',
      path: `/api/v1/users/${world.plain.id}`,
      options: { token: world.plain.token },
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/users/{id}',
      why: 'no credentials',
      path: `/api/v1/users/${world.viewer.id}`,
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'GET /api/v1/users/{id}',
      why: "someone else's, not an administrator",
      path: `/api/v1/users/${world.viewer.id}`,
      options: { token: world.plain.token },
      status: 403,
    }),
    () => ({
      op: 'GET /api/v1/users/{id}',
      why: 'unknown',
      path: '/api/v1/users/nobody',
      status: 404,
    }),

    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'disable',
      path: `/api/v1/users/${world.plain.id}`,
      options: { json: { disabled: false } },
      status: 200,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'two changes at once',
      path: `/api/v1/users/${world.plain.id}`,
      options: { json: { disabled: true, isAdmin: true } },
      status: 400,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'no credentials',
      path: `/api/v1/users/${world.plain.id}`,
      options: { json: { disabled: true }, token: null },
      status: 401,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'not an administrator',
      path: `/api/v1/users/${world.viewer.id}`,
      options: { json: { disabled: true }, token: world.plain.token },
      status: 403,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'unknown',
      path: '/api/v1/users/nobody',
      options: { json: { disabled: true } },
      status: 404,
    }),
    async () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'disabling oneself',
      path: `/api/v1/users/${(await api.must('GET', '/api/v1/me', 200)).json<{ user: { id: string } }>().user.id}`,
      options: { json: { disabled: true } },
      status: 409,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'over 1 MiB',
      path: `/api/v1/users/${world.plain.id}`,
      options: {
        body: `{"disabled":false,"x":"${'x'.repeat(1024 * 1024)}"}`,
        contentType: 'application/json',
      },
      status: 413,
    }),
    () => ({
      op: 'PATCH /api/v1/users/{id}',
      why: 'text/plain',
      path: `/api/v1/users/${world.plain.id}`,
      options: { body: 'disabled', contentType: 'text/plain' },
      status: 415,
    }),

    () => ({
      op: 'GET /api/v1/ecosystems/{eco}/members',
      why: 'members',
      path: '/api/v1/ecosystems/conf/members',
      status: 200,
    }),
    () => ({
      op: 'GET /api/v1/ecosystems/{eco}/members',
      why: 'no credentials',
      path: '/api/v1/ecosystems/conf/members',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'GET /api/v1/ecosystems/{eco}/members',
      why: 'not a member',
      path: '/api/v1/ecosystems/conf/members',
      options: { token: world.plain.token },
      status: 404,
    }),

    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'add by email',
      path: '/api/v1/ecosystems/conf/members',
      options: { json: { email: world.plain.email, role: 'developer' } },
      status: 200,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'both userId and email',
      path: '/api/v1/ecosystems/conf/members',
      options: { json: { email: world.plain.email, userId: world.plain.id, role: 'viewer' } },
      status: 400,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'no credentials',
      path: '/api/v1/ecosystems/conf/members',
      options: { json: { email: world.plain.email, role: 'viewer' }, token: null },
      status: 401,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'a viewer',
      path: '/api/v1/ecosystems/conf/members',
      options: { json: { email: world.plain.email, role: 'owner' }, token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'an unknown ecosystem',
      path: '/api/v1/ecosystems/nope/members',
      options: { json: { email: world.plain.email, role: 'viewer' } },
      status: 404,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'over 1 MiB',
      path: '/api/v1/ecosystems/conf/members',
      options: { json: { email: 'x'.repeat(1024 * 1024), role: 'viewer' } },
      status: 413,
    }),
    () => ({
      op: 'PUT /api/v1/ecosystems/{eco}/members',
      why: 'YAML',
      path: '/api/v1/ecosystems/conf/members',
      options: { yaml: 'role: viewer\n' },
      status: 415,
    }),

    () => ({
      op: 'DELETE /api/v1/ecosystems/{eco}/members/{userId}',
      why: 'remove',
      path: `/api/v1/ecosystems/conf/members/${world.plain.id}`,
      status: 204,
    }),
    () => ({
      op: 'DELETE /api/v1/ecosystems/{eco}/members/{userId}',
      why: 'no credentials',
      path: `/api/v1/ecosystems/conf/members/${world.viewer.id}`,
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: 'DELETE /api/v1/ecosystems/{eco}/members/{userId}',
      why: 'a viewer',
      path: `/api/v1/ecosystems/conf/members/${world.viewer.id}`,
      options: { token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: 'DELETE /api/v1/ecosystems/{eco}/members/{userId}',
      why: 'not a member',
      path: `/api/v1/ecosystems/conf/members/${world.plain.id}`,
      status: 404,
    }),

    () => ({
      op: 'POST /api/v1/tickets',
      why: 'a ticket',
      path: '/api/v1/tickets',
      options: { json: { purpose: 'terminal:abc' } },
      status: 201,
    }),
    () => ({
      op: 'POST /api/v1/tickets',
      why: 'no purpose',
      path: '/api/v1/tickets',
      options: { json: {} },
      status: 400,
    }),
    () => ({
      op: 'POST /api/v1/tickets',
      why: 'no credentials',
      path: '/api/v1/tickets',
      options: { json: { purpose: 'terminal:abc' }, token: null },
      status: 401,
    }),
    () => ({
      op: 'POST /api/v1/tickets',
      why: 'over 1 MiB',
      path: '/api/v1/tickets',
      options: { json: { purpose: 'x'.repeat(1024 * 1024) } },
      status: 413,
    }),
    () => ({
      op: 'POST /api/v1/tickets',
      why: 'text/plain',
      path: '/api/v1/tickets',
      options: { body: 'terminal', contentType: 'text/plain' },
      status: 415,
    }),
  ];
}

/** A fresh host made by the administrator; returns its name and one-time join token. */
async function freshHost(name: string): Promise<{ name: string; token: string }> {
  const made = await api.must('POST', '/api/v1/hosts', 201, { json: { name } });
  return { name, token: made.json<{ joinToken: string }>().joinToken };
}

/** Start and stop, refused; their successes are in hostCalls, once an agent has joined. */
function lifecycleCalls(): Array<() => Call> {
  const item = '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}';
  return (['start', 'stop'] as const).flatMap((action) => {
    const op = `POST ${item}/${action}`;
    const at = `${fill(item, 'conf', 'dom', 'app', 'ws')}/${action}`;
    return [
      () => ({ op, why: 'no credentials', path: at, options: { token: null }, status: 401 }),
      () => ({
        op,
        why: 'a viewer',
        path: at,
        options: { token: world.viewer.token },
        status: 403,
      }),
      () => ({
        op,
        why: 'an unknown workspace',
        path: `${fill(item, 'conf', 'dom', 'app', 'nope')}/${action}`,
        status: 404,
      }),
      () => ({
        op,
        why: action === 'start' ? 'no image to run yet' : 'never started',
        path: at,
        status: 409,
      }),
      () => ({ op, why: 'an unknown query parameter', path: `${at}?now=1`, status: 400 }),
    ];
  });
}

function hostCalls(): Array<() => Call | Promise<Call>> {
  const LIST = 'GET /api/v1/hosts';
  const CREATE = 'POST /api/v1/hosts';
  const JOIN = 'POST /api/v1/hosts/join';
  const READ = 'GET /api/v1/hosts/{name}';
  const PATCH = 'PATCH /api/v1/hosts/{name}';
  const DELETE = 'DELETE /api/v1/hosts/{name}';
  const TOKEN = 'POST /api/v1/hosts/{name}/join-token';
  const wrongToken = `dvmj_${'W'.repeat(43)}`;
  const join = (token: string, address = agent.address) => ({
    json: { token, address, credential: AGENT_CREDENTIAL },
    token: null,
  });
  return [
    () => ({
      op: CREATE,
      why: 'register a host',
      path: '/api/v1/hosts',
      options: { json: { name: 'conf-host', labels: { zone: 'a' }, expiresInSeconds: 600 } },
      status: 201,
    }),
    () => ({
      op: CREATE,
      why: 'register from YAML, answered as YAML',
      path: '/api/v1/hosts?output=yaml',
      options: { yaml: 'name: conf-yaml\naddress: conf.example.com:7443\n' },
      status: 201,
    }),
    () => ({
      op: CREATE,
      why: 'register, answered as a table',
      path: '/api/v1/hosts?output=table',
      options: { json: { name: 'conf-table' } },
      status: 201,
    }),
    () => ({
      op: CREATE,
      why: 'a bad name and an unknown field',
      path: '/api/v1/hosts',
      options: { json: { name: 'Bad Name', extra: 1 } },
      status: 400,
    }),
    () => ({
      op: CREATE,
      why: 'no credentials',
      path: '/api/v1/hosts',
      options: { json: { name: 'x' }, token: null },
      status: 401,
    }),
    () => ({
      op: CREATE,
      why: 'not an administrator',
      path: '/api/v1/hosts',
      options: { json: { name: 'x' }, token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: CREATE,
      why: 'Accept nothing producible',
      path: '/api/v1/hosts',
      options: { json: { name: 'x' }, headers: { Accept: 'application/xml' } },
      status: 406,
    }),
    () => ({
      op: CREATE,
      why: 'the name is taken',
      path: '/api/v1/hosts',
      options: { json: { name: 'conf-host' } },
      status: 409,
    }),
    () => ({
      op: CREATE,
      why: 'over 1 MiB',
      path: '/api/v1/hosts',
      options: { json: { name: 'x', labels: { a: 'x'.repeat(1024 * 1024) } } },
      status: 413,
    }),
    () => ({
      op: CREATE,
      why: 'text/plain',
      path: '/api/v1/hosts',
      options: { body: 'name', contentType: 'text/plain' },
      status: 415,
    }),

    () => ({ op: LIST, why: 'the hosts', path: '/api/v1/hosts?limit=1', status: 200 }),
    () => ({
      op: LIST,
      why: 'by label, as a table, for a viewer',
      path: '/api/v1/hosts?labelSelector=zone%3Da&output=table',
      options: { token: world.viewer.token },
      status: 200,
    }),
    () => ({ op: LIST, why: 'limit=0', path: '/api/v1/hosts?limit=0', status: 400 }),
    () => ({
      op: LIST,
      why: 'no credentials',
      path: '/api/v1/hosts',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: LIST,
      why: 'Accept nothing producible',
      path: '/api/v1/hosts',
      options: { headers: { Accept: 'application/xml' } },
      status: 406,
    }),

    async () => ({
      op: JOIN,
      why: 'a real agent joins',
      path: '/api/v1/hosts/join',
      options: join((await freshHost('conf-joined')).token),
      status: 200,
    }),
    async () => ({
      op: JOIN,
      why: 'the agent cannot be reached at the address given',
      path: '/api/v1/hosts/join',
      options: join((await freshHost('conf-unreachable')).token, 'unix:///nonexistent/agent.sock'),
      status: 503,
    }),
    () => ({
      op: JOIN,
      why: 'a malformed request',
      path: '/api/v1/hosts/join',
      options: { json: { token: 'x' }, token: null },
      status: 400,
    }),
    () => ({
      op: JOIN,
      why: 'a wrong token',
      path: '/api/v1/hosts/join',
      options: join(wrongToken),
      status: 401,
    }),
    () => ({
      op: JOIN,
      why: 'over 1 MiB',
      path: '/api/v1/hosts/join',
      options: { json: { token: 'x'.repeat(1024 * 1024) }, token: null },
      status: 413,
    }),
    () => ({
      op: JOIN,
      why: 'text/plain',
      path: '/api/v1/hosts/join',
      options: { body: 'token', contentType: 'text/plain', token: null },
      status: 415,
    }),

    () => ({ op: READ, why: 'a host', path: '/api/v1/hosts/conf-joined', status: 200 }),
    () => ({
      op: READ,
      why: 'a host, for a viewer, as YAML',
      path: '/api/v1/hosts/conf-host',
      options: { token: world.viewer.token, headers: { Accept: 'application/yaml' } },
      status: 200,
    }),
    () => ({
      op: READ,
      why: 'an unknown query parameter',
      path: '/api/v1/hosts/conf-host?all=1',
      status: 400,
    }),
    () => ({
      op: READ,
      why: 'no credentials',
      path: '/api/v1/hosts/conf-host',
      options: { token: null },
      status: 401,
    }),
    () => ({ op: READ, why: 'unknown', path: '/api/v1/hosts/nope', status: 404 }),

    () => ({
      op: PATCH,
      why: 'change labels and address',
      path: '/api/v1/hosts/conf-host',
      options: { json: { labels: { zone: 'b' }, address: 'conf-host.example.com:7443' } },
      status: 200,
    }),
    () => ({
      op: PATCH,
      why: 'nothing to change',
      path: '/api/v1/hosts/conf-host',
      options: { json: {} },
      status: 400,
    }),
    () => ({
      op: PATCH,
      why: 'no credentials',
      path: '/api/v1/hosts/conf-host',
      options: { json: { labels: {} }, token: null },
      status: 401,
    }),
    () => ({
      op: PATCH,
      why: 'not an administrator',
      path: '/api/v1/hosts/conf-host',
      options: { json: { labels: {} }, token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: PATCH,
      why: 'unknown',
      path: '/api/v1/hosts/nope',
      options: { json: { labels: {} } },
      status: 404,
    }),
    () => ({
      op: PATCH,
      why: 'text/plain',
      path: '/api/v1/hosts/conf-host',
      options: { body: 'labels', contentType: 'text/plain' },
      status: 415,
    }),

    () => ({
      op: TOKEN,
      why: 'a new join token',
      path: '/api/v1/hosts/conf-unreachable/join-token',
      options: { json: { expiresInSeconds: 120 } },
      status: 200,
    }),
    () => ({
      op: TOKEN,
      why: 'too short a life',
      path: '/api/v1/hosts/conf-host/join-token',
      options: { json: { expiresInSeconds: 1 } },
      status: 400,
    }),
    () => ({
      op: TOKEN,
      why: 'no credentials',
      path: '/api/v1/hosts/conf-host/join-token',
      options: { json: {}, token: null },
      status: 401,
    }),
    () => ({
      op: TOKEN,
      why: 'not an administrator',
      path: '/api/v1/hosts/conf-host/join-token',
      options: { json: {}, token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: TOKEN,
      why: 'unknown',
      path: '/api/v1/hosts/nope/join-token',
      options: { json: {} },
      status: 404,
    }),

    async () => {
      // A workspace placed on the host keeps it from being removed.
      const store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
      const ws = await store.workspaces.get({
        ecosystem: 'conf',
        domain: 'dom',
        app: 'app',
        name: 'ws',
      });
      await store.placements.set({
        workspaceId: ws.id,
        host: 'conf-table',
        containerName: 'dvm_conf_dom_app_ws',
        image: 'busybox',
        desired: 'stopped',
      });
      await store.close();
      return {
        op: DELETE,
        why: 'a workspace is placed on it',
        path: '/api/v1/hosts/conf-table',
        status: 409,
      };
    },
    () => ({ op: DELETE, why: 'remove', path: '/api/v1/hosts/conf-yaml', status: 204 }),
    () => ({
      op: DELETE,
      why: 'an unknown query parameter',
      path: '/api/v1/hosts/conf-host?cascade=true',
      status: 400,
    }),
    () => ({
      op: DELETE,
      why: 'no credentials',
      path: '/api/v1/hosts/conf-host',
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: DELETE,
      why: 'not an administrator',
      path: '/api/v1/hosts/conf-host',
      options: { token: world.viewer.token },
      status: 403,
    }),
    () => ({ op: DELETE, why: 'unknown', path: '/api/v1/hosts/nope', status: 404 }),

    // The joined agent runs a workspace: an app on that host, with a path under its allowed root.
    async () => {
      await api.must('POST', '/api/v1/apply', 200, {
        json: [
          manifest(
            'App',
            { name: 'runapp', ecosystem: 'conf', domain: 'dom' },
            { host: 'conf-joined', path: path.join(agentDir, 'src') },
          ),
          manifest(
            'Workspace',
            { name: 'run', ecosystem: 'conf', domain: 'dom', app: 'runapp' },
            { image: { name: requireBaseImage() } },
          ),
        ],
      });
      return {
        op: `POST ${RUN_ITEM}/start`,
        why: 'start on the joined agent',
        path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/start`,
        status: 200,
      };
    },
    // Terminal sessions in the running workspace (the socket is e2e/terminals.test.ts's).
    () => ({
      op: `POST ${RUN_ITEM}/terminals`,
      why: 'open a terminal session',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals`,
      options: { json: { title: 'conformance', command: ['/bin/sh'] } },
      status: 201,
    }),
    () => ({
      op: `POST ${RUN_ITEM}/terminals`,
      why: 'an unknown field',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals`,
      options: { json: { shell: 'zsh' } },
      status: 400,
    }),
    () => ({
      op: `GET ${RUN_ITEM}/terminals`,
      why: 'the sessions',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals`,
      status: 200,
    }),
    () => ({
      op: `GET ${RUN_ITEM}/terminals`,
      why: 'an unknown workspace',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'nope')}/terminals`,
      status: 404,
    }),
    async () => {
      const listed = await api.must(
        'GET',
        `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals`,
        200,
      );
      const [session] = listed.json<{ items: { id: string }[] }>().items;
      return {
        op: `DELETE ${RUN_ITEM}/terminals/{id}`,
        why: 'end the session',
        path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals/${session!.id}`,
        status: 200,
      };
    },
    () => ({
      op: `DELETE ${RUN_ITEM}/terminals/{id}`,
      why: 'an unknown session',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/terminals/nope`,
      status: 404,
    }),
    () => ({
      op: `POST ${RUN_ITEM}/stop`,
      why: 'stop, answered as YAML',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run')}/stop?output=yaml`,
      status: 200,
    }),
    () => ({
      op: `DELETE ${RUN_ITEM}`,
      why: 'delete the workspace, removing its container from the host',
      path: fill(RUN_ITEM, 'conf', 'dom', 'runapp', 'run'),
      status: 200,
    }),
  ];
}

const RUN_ITEM = '/api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}';

/**
 * Builds: one queued on the joined agent (which has no image builder, so it fails at once — the
 * real builds are e2e/builds.test.ts's), others queued through the store on a host without an
 * agent (no runner takes them) to be cancelled.
 */
function buildCalls(): Array<() => Call | Promise<Call>> {
  const BUILD = `POST ${RUN_ITEM}/build`;
  const LIST = `GET ${RUN_ITEM}/builds`;
  const READ = `GET ${RUN_ITEM}/builds/{id}`;
  const DELETE = `DELETE ${RUN_ITEM}/builds/{id}`;
  const CANCEL = `POST ${RUN_ITEM}/builds/{id}/cancel`;
  const LOG = `GET ${RUN_ITEM}/builds/{id}/log`;
  const at = fill(RUN_ITEM, 'conf', 'dom', 'buildapp', 'bws');
  const build = (id: string) => `${at}/builds/${encodeURIComponent(id)}`;
  let finished = '';
  const queuedOnPendingHost = async () => {
    const store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
    try {
      const ws = await store.workspaces.get({
        ecosystem: 'conf',
        domain: 'dom',
        app: 'buildapp',
        name: 'bws',
      });
      const queued = await store.builds.create({
        workspaceId: ws.id,
        host: 'conf-build-pending',
        requestedBy: TEST_ADMIN_EMAIL,
        request: {},
      });
      return queued.id;
    } finally {
      await store.close();
    }
  };
  return [
    async () => {
      await freshHost('conf-build-pending');
      await api.must('POST', '/api/v1/apply', 200, {
        json: [
          manifest(
            'App',
            { name: 'buildapp', ecosystem: 'conf', domain: 'dom' },
            { host: 'conf-joined', path: path.join(agentDir, 'src') },
          ),
          manifest(
            'Workspace',
            { name: 'bws', ecosystem: 'conf', domain: 'dom', app: 'buildapp' },
            { image: { baseImage: requireBaseImage(), packages: [] } },
          ),
          manifest(
            'App',
            { name: 'pendingapp', ecosystem: 'conf', domain: 'dom' },
            { host: 'conf-build-pending', path: '/srv/pending' },
          ),
          manifest('Workspace', {
            name: 'pws',
            ecosystem: 'conf',
            domain: 'dom',
            app: 'pendingapp',
          }),
        ],
      });
      return {
        op: BUILD,
        why: 'queue a build on the joined agent',
        path: `${at}/build`,
        options: { json: { noCache: true } },
        status: 202,
      };
    },
    () => ({ op: BUILD, why: 'no body at all', path: `${at}/build`, status: 202 }),
    () => ({
      op: BUILD,
      why: 'an unknown builder',
      path: `${at}/build`,
      options: { json: { builder: 'kaniko' } },
      status: 400,
    }),
    () => ({ op: BUILD, why: 'an unknown query parameter', path: `${at}/build?x=1`, status: 400 }),
    () => ({
      op: BUILD,
      why: 'no credentials',
      path: `${at}/build`,
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: BUILD,
      why: 'a viewer',
      path: `${at}/build`,
      options: { token: world.viewer.token },
      status: 403,
    }),
    () => ({
      op: BUILD,
      why: 'an unknown workspace',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'buildapp', 'nope')}/build`,
      status: 404,
    }),
    () => ({
      op: BUILD,
      why: 'text/plain',
      path: `${at}/build`,
      options: { body: 'build', contentType: 'text/plain' },
      status: 415,
    }),
    () => ({
      op: BUILD,
      why: 'its host has no agent yet',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'pendingapp', 'pws')}/build`,
      status: 503,
    }),

    () => ({ op: LIST, why: 'the builds', path: `${at}/builds`, status: 200 }),
    () => ({ op: LIST, why: 'a page of one', path: `${at}/builds?limit=1`, status: 200 }),
    () => ({ op: LIST, why: 'limit=0', path: `${at}/builds?limit=0`, status: 400 }),
    () => ({
      op: LIST,
      why: 'no credentials',
      path: `${at}/builds`,
      options: { token: null },
      status: 401,
    }),
    () => ({
      op: LIST,
      why: 'an unknown workspace',
      path: `${fill(RUN_ITEM, 'conf', 'dom', 'buildapp', 'nope')}/builds`,
      status: 404,
    }),

    async () => {
      // The build queued first has failed by now: that agent has no image builder.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const page = await api.must('GET', `${at}/builds?limit=100`, 200);
        const items = page.json<{ items: { id: string; status: string }[] }>().items;
        const done = items.find((b) => b.status === 'failed');
        if (done) {
          finished = done.id;
          break;
        }
        if (Date.now() > deadline) throw new Error(`no build finished: ${page.text}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return { op: READ, why: 'a failed build', path: build(finished), status: 200 };
    },
    () => ({ op: READ, why: 'an unknown build', path: build('nope'), status: 404 }),
    () => ({ op: READ, why: 'a query', path: `${build(finished)}?x=1`, status: 400 }),
    () => ({
      op: READ,
      why: 'no credentials',
      path: build(finished),
      options: { token: null },
      status: 401,
    }),

    () => ({ op: LOG, why: 'the log as text', path: `${build(finished)}/log`, status: 200 }),
    () => ({
      op: LOG,
      why: 'followed: the replay of a finished build, then the end',
      path: `${build(finished)}/log?follow=true`,
      status: 200,
    }),
    () => ({
      op: LOG,
      why: 'follow=maybe',
      path: `${build(finished)}/log?follow=maybe`,
      status: 400,
    }),
    () => ({
      op: LOG,
      why: 'a Last-Event-ID that is no event id',
      path: `${build(finished)}/log?follow=true`,
      options: { headers: { 'Last-Event-ID': 'x' } },
      status: 400,
    }),
    () => ({ op: LOG, why: 'an unknown build', path: `${build('nope')}/log`, status: 404 }),
    () => ({
      op: LOG,
      why: 'no credentials',
      path: `${build(finished)}/log`,
      options: { token: null },
      status: 401,
    }),

    ...[DELETE, CANCEL].flatMap((op) => {
      const suffix = op === CANCEL ? '/cancel' : '';
      return [
        async () => ({
          op,
          why: 'cancel a queued build',
          path: `${build(await queuedOnPendingHost())}${suffix}`,
          status: 200,
        }),
        () => ({ op, why: 'already finished', path: `${build(finished)}${suffix}`, status: 409 }),
        async () => ({
          op,
          why: 'a viewer',
          path: `${build(await queuedOnPendingHost())}${suffix}`,
          options: { token: world.viewer.token },
          status: 403,
        }),
        () => ({
          op,
          why: 'no credentials',
          path: `${build(finished)}${suffix}`,
          options: { token: null },
          status: 401,
        }),
        () => ({ op, why: 'an unknown build', path: `${build('nope')}${suffix}`, status: 404 }),
        () => ({
          op,
          why: 'an unknown query parameter',
          path: `${build(finished)}${suffix}?force=true`,
          status: 400,
        }),
      ];
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/** A compact check of the OpenAPI 3.1 document structure (the parts tools rely on). */
const OPENAPI_31_SHAPE = {
  type: 'object',
  required: ['openapi', 'info', 'paths', 'components'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: {
      type: 'object',
      required: ['title', 'version'],
      properties: {
        title: { type: 'string', minLength: 1 },
        version: { type: 'string', minLength: 1 },
      },
    },
    jsonSchemaDialect: { type: 'string', format: 'uri' },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/api/v1(/[^/]+)*$' },
      additionalProperties: {
        type: 'object',
        propertyNames: {
          enum: ['get', 'put', 'post', 'delete', 'patch', 'parameters', 'summary', 'description'],
        },
        additionalProperties: {
          type: 'object',
          required: ['responses', 'operationId'],
          properties: {
            operationId: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
            parameters: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'in', 'schema'],
                properties: {
                  in: { enum: ['query', 'path', 'header', 'cookie'] },
                  required: { type: 'boolean' },
                },
              },
            },
            requestBody: { type: 'object', required: ['content'] },
            responses: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: '^([1-5]\\d\\d|[1-5]XX|default)$' },
              additionalProperties: {
                type: 'object',
                anyOf: [{ required: ['$ref'] }, { required: ['description'] }],
              },
            },
          },
        },
      },
    },
    components: {
      type: 'object',
      required: ['schemas'],
      properties: {
        schemas: { type: 'object', additionalProperties: { type: ['object', 'boolean'] } },
        securitySchemes: { type: 'object' },
      },
    },
  },
};

describe('OpenAPI conformance', () => {
  it('is an OpenAPI 3.1 document: shape, unique operation ids, resolvable $refs, compilable schemas', () => {
    const shape = new Ajv2020({ strict: false, allErrors: true });
    addFormats(shape);
    const valid = shape.validate(OPENAPI_31_SHAPE, document);
    expect(valid, shape.errorsText(shape.errors)).toBe(true);

    const ids: string[] = [];
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item)) {
        const op = operation as Json;
        ids.push(op.operationId as string);
        // Every path parameter is declared, and every declared one is in the path.
        const inPath = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = ((op.parameters as Json[] | undefined) ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        expect(declared, `${method.toUpperCase()} ${template} path parameters`).toEqual(inPath);
        const statuses = Object.keys(op.responses as Json);
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${method} ${template} has a success`,
        ).toBe(true);
      }
    }
    expect(new Set(ids).size, 'operationIds are unique').toBe(ids.length);

    const refs: string[] = [];
    const collect = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else collect(value);
        }
      }
    };
    collect(document);
    const dangling = [...new Set(refs)].filter((ref) => resolvePointer(ref) === undefined);
    expect(dangling, 'every $ref resolves inside the document').toEqual([]);
    expect(refs.length).toBeGreaterThan(50);

    const broken: string[] = [];
    for (const name of Object.keys((document.components as Json).schemas as Json)) {
      try {
        validatorAt(pointerOf('components', 'schemas', name));
      } catch (error) {
        broken.push(`${name}: ${String(error)}`);
      }
    }
    expect(broken, 'every component schema compiles as JSON Schema 2020-12').toEqual([]);
  });

  it('describes exactly the route files under app/api/v1 (every exported method) and nothing else', () => {
    const files = routeFileOperations();
    const documented = new Set<string>();
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>))
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${template}`);
    const missing = [...files]
      .filter(([op]) => !documented.has(op))
      .map(([op, file]) => `${op} (${file})`);
    const extra = [...documented].filter((op) => !files.has(op));
    expect(missing, 'route files missing from the document').toEqual([]);
    expect(extra, 'operations without a route file').toEqual([]);
    expect(files.size).toBeGreaterThanOrEqual(43);
  });

  it('methods a path does not document answer 405 problem+json with Allow; unknown paths under /api/v1 answer 404 problem+json', async () => {
    // One line per kind of problem, with how often it was seen and a few examples.
    const seen = new Map<string, string[]>();
    const note = (problem: string, where: string) =>
      seen.set(problem, [...(seen.get(problem) ?? []), where]);
    let tried = 0;
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>)) {
      const documented = Object.keys(item).map((m) => m.toUpperCase());
      const path = fill(template, 'conf', 'dom', 'app', 'ws');
      for (const method of METHODS.filter((m) => !documented.includes(m))) {
        tried += 1;
        const answer = await api.request(method, path, method === 'GET' ? {} : { json: {} });
        const allow = (answer.headers.get('allow') ?? '').split(',').map((m) => m.trim());
        const where = `${method} ${template}`;
        if (answer.status !== 405) note(`status ${answer.status} instead of 405`, where);
        const [notProblem] = problemShape(answer);
        if (notProblem) note(`405: ${notProblem.slice(0, 80)}`, where);
        if (!documented.every((m) => allow.includes(m)))
          note('405 without an Allow header naming the documented methods', where);
      }
    }
    for (const path of ['/api/v1/nope', '/api/v1/ecosystems/conf/nope', '/api/v1']) {
      const answer = await api.request('GET', path);
      if (answer.status !== 404) note(`status ${answer.status} instead of 404`, `GET ${path}`);
      const [notProblem] = problemShape(answer);
      if (notProblem) note(`unknown path: ${notProblem.slice(0, 80)}`, `GET ${path}`);
    }
    const report = [...seen].map(
      ([problem, where]) => `${where.length}× ${problem} — e.g. ${where.slice(0, 3).join(', ')}`,
    );
    expect(
      report,
      `every error under /api/v1 is problem+json (docs/api-auth.md "Errors"); ${tried} undocumented methods tried`,
    ).toEqual([]);
  });

  it('every operation, called with real requests, answers what the document declares', async () => {
    const calls = [
      ...LEVELS.flatMap(resourceCalls),
      ...otherCalls(),
      ...lifecycleCalls(),
      ...hostCalls(),
      ...buildCalls(),
    ];
    for (const make of calls) await run(await make());

    const operations: string[] = [];
    for (const [template, item] of Object.entries(document.paths as Record<string, Json>))
      for (const method of Object.keys(item))
        operations.push(`${method.toUpperCase()} ${template}`);
    const notCalled = operations.filter((op) => !exercised.has(op));
    const withoutSuccess = operations.filter(
      (op) => ![...(exercised.get(op) ?? [])].some((s) => s.startsWith('2')),
    );
    const withoutError = operations.filter(
      (op) => ![...(exercised.get(op) ?? [])].some((s) => s.startsWith('4')),
    );
    expect(notCalled, 'operations never called').toEqual([]);
    expect(withoutSuccess, 'operations never called successfully').toEqual([]);
    expect(withoutError, 'operations never called with an error').toEqual([]);
    // Documented statuses that no call produced, for the record (500 is never produced on purpose).
    const documentedNotSeen = operations.flatMap((op) => {
      const [method, template] = op.split(' ') as [Method, string];
      const seen = [...(exercised.get(op) ?? [])].map((s) => s.split(' ')[0]);
      return Object.keys(operationOf(method, template)!.responses as Json)
        .filter((status) => status !== '500' && !seen.includes(status))
        .map((status) => `${op} ${status}`);
    });
    console.log(
      `OpenAPI conformance: ${calls.length} calls over ${operations.length} operations; documented statuses not produced: ${documentedNotSeen.length}\n  ${documentedNotSeen.join('\n  ')}`,
    );
    expect(failures, 'answers that do not match the document').toEqual([]);
  });
});
