// A small client of the control plane's REST API for end-to-end tests: a started server with a
// headless administrator and an admin-scope token, requests that never hang (each has a deadline),
// answers read in full, and the checks every problem+json answer must pass.
//
//   const api = await startApiServer({ name: 'resource-api' });
//   const answer = await api.request('POST', '/api/v1/apply', { yaml: text });
//   expect(problemShape(answer)).toEqual([]);
//   await api.stop();

import { parse as parseYaml } from 'yaml';

import { type ServerProcess, startServer } from './server-process';

export const TEST_ADMIN_EMAIL = 'root@api.test';
export const TEST_ADMIN_PASSWORD = 'correct horse battery staple';

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as received (bytes decoded as UTF-8). */
  text: string;
  /** `text` parsed as JSON; throws with the text when it is not JSON. */
  json<T = unknown>(): T;
  /** `text` parsed as YAML. */
  yaml<T = unknown>(): T;
  /** The Content-Type's essence (`application/problem+json`), lowercase, without parameters. */
  type: string;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
}

export interface RequestOptions {
  /** Sent as JSON (Content-Type application/json unless `contentType` says otherwise). */
  json?: unknown;
  /** Sent as YAML text (Content-Type application/yaml unless `contentType` says otherwise). */
  yaml?: string;
  /** Sent as is; give `contentType` (none is added). */
  body?: string | Uint8Array;
  /** Overrides the Content-Type chosen for `json`/`yaml`; `null` sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** `Bearer <token>`; defaults to the client's token; `null` sends no credentials. */
  token?: string | null;
  /** Deadline for the whole exchange; default 15 s. A hang fails the test with the request named. */
  timeoutMs?: number;
  /** Send the body as a stream in 64 KiB chunks, without Content-Length (chunked encoding). */
  chunked?: boolean;
}

export interface ApiClient {
  readonly baseUrl: string;
  /** The admin-scope token of the headless administrator. */
  readonly token: string;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  /** `request`, failing with the answer and the server's log tail unless the status is `expected`. */
  must(
    method: string,
    path: string,
    expected: number | number[],
    options?: RequestOptions,
  ): Promise<Answer>;
}

export interface ApiServer extends ApiClient {
  readonly server: ServerProcess;
  /** A client with another token (e.g. of a member with a role in one ecosystem). */
  as(token: string): ApiClient;
  /** A new token of the administrator (HTTP Basic), of `scope`. */
  mintToken(email: string, password: string, scope?: 'read' | 'write' | 'admin'): Promise<string>;
  stop(): Promise<void>;
}

function essence(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** `body` as a stream of 64 KiB chunks: fetch then sends it chunked, without Content-Length. */
function chunks(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

function describe(method: string, path: string, answer: Answer): string {
  return `${method} ${path} → ${answer.status} ${answer.type}: ${answer.text.slice(0, 600)}`;
}

function makeClient(baseUrl: string, token: string, tail: (lines?: number) => string): ApiClient {
  async function send(method: string, path: string, options: RequestOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
    let body: string | Uint8Array | undefined;
    let type: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      type = 'application/json';
    } else if (options.yaml !== undefined) {
      body = options.yaml;
      type = 'application/yaml';
    } else if (options.body !== undefined) body = options.body;
    const contentType = options.contentType === undefined ? type : options.contentType;
    if (contentType !== undefined && contentType !== null) headers['Content-Type'] = contentType;
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? 15_000;
    let response: Response;
    let bytes: ArrayBuffer;
    try {
      const payload = body !== undefined && options.chunked ? chunks(body) : body;
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(payload !== undefined && { body: payload }),
        ...(options.chunked && { duplex: 'half' }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      } as RequestInit);
      bytes = await response.arrayBuffer();
    } catch (error) {
      throw new Error(
        `${method} ${path} got no complete answer within ${timeoutMs} ms (${String(error)})\n--- server log ---\n${tail()}`,
      );
    }
    const text = Buffer.from(bytes).toString('utf8');
    const answer: Answer = {
      status: response.status,
      headers: response.headers,
      text,
      type: essence(response.headers.get('content-type')),
      ms: performance.now() - started,
      json<T>() {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new Error(`${method} ${path}: the answer is not JSON: ${text.slice(0, 300)}`);
        }
      },
      yaml<T>() {
        return parseYaml(text) as T;
      },
    };
    return answer;
  }
  return {
    baseUrl,
    token,
    request: send,
    async must(method, path, expected, options) {
      const answer = await send(method, path, options);
      const ok = Array.isArray(expected)
        ? expected.includes(answer.status)
        : answer.status === expected;
      if (!ok) {
        throw new Error(
          `expected ${String(expected)} from ${describe(method, path, answer)}\n--- server log ---\n${tail(
            30,
          )}`,
        );
      }
      return answer;
    },
  };
}

/** An admin-scope token for `email`, minted with HTTP Basic. */
export async function mintToken(
  baseUrl: string,
  email: string,
  password: string,
  scope: 'read' | 'write' | 'admin' = 'admin',
): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ name: `e2e ${scope} ${Date.now()}`, scope }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`minting a token: ${response.status} ${text}`);
  return (JSON.parse(text) as { secret: string }).secret;
}

/**
 * The production server (fresh SQLite by default; `databaseUrl` for PostgreSQL) with a headless
 * administrator, and a client holding an admin-scope token.
 */
export async function startApiServer(
  options: { name?: string; databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<ApiServer> {
  const server = await startServer({
    name: options.name ?? 'api',
    env: {
      DVM_ADMIN_EMAIL: TEST_ADMIN_EMAIL,
      DVM_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      NEXTAUTH_SECRET: 'api-tests-session-secret-0123456789abcdef',
      ...(options.databaseUrl !== undefined && { DATABASE_URL: options.databaseUrl }),
      ...options.env,
    },
  });
  try {
    const token = await mintToken(server.baseUrl, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    const client = makeClient(server.baseUrl, token, (lines) => server.tail(lines));
    return {
      ...client,
      server,
      as: (other) => makeClient(server.baseUrl, other, (lines) => server.tail(lines)),
      mintToken: (email, password, scope) => mintToken(server.baseUrl, email, password, scope),
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** What is wrong with `answer` as an application/problem+json answer (empty when nothing is). */
export function problemShape(answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.type !== 'application/problem+json')
    problems.push(`Content-Type is "${answer.type}", not application/problem+json`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return [...problems, `the body is not JSON: ${answer.text.slice(0, 200)}`];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return [...problems, 'the body is not a JSON object'];
  for (const field of ['type', 'title', 'detail', 'code'])
    if (typeof body[field] !== 'string' || body[field] === '')
      problems.push(`"${field}" is not a non-empty string`);
  if (body.status !== answer.status)
    problems.push(`"status" is ${JSON.stringify(body.status)}, the HTTP status ${answer.status}`);
  if (!Array.isArray(body.errors)) problems.push('"errors" is not an array');
  else {
    for (const [index, error] of (body.errors as unknown[]).entries()) {
      const e = error as Record<string, unknown> | null;
      if (typeof e?.path !== 'string' || typeof e.message !== 'string')
        problems.push(`errors[${index}] is not {path: string, message: string}`);
    }
  }
  return problems;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: Array<{ path: string; message: string }>;
}

/** A manifest of `kind`, with `metadata` (name and parents) and `spec`. */
export function manifest(
  kind: string,
  metadata: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return { apiVersion: 'devopsmaestro.io/v1', kind, metadata, spec };
}

/**
 * An ecosystem, a domain and an app whose source is at `appPath` and, when `workspace` is named,
 * a workspace of `image` in it: one `POST /api/v1/apply` body (a JSON list of manifests).
 */
export function workspaceHierarchy(
  names: { ecosystem: string; domain: string; app: string; workspace?: string },
  appPath: string,
  image?: string,
): Record<string, unknown>[] {
  const { ecosystem, domain, app, workspace } = names;
  return [
    manifest('Ecosystem', { name: ecosystem }),
    manifest('Domain', { name: domain, ecosystem }),
    manifest('App', { name: app, ecosystem, domain }, { path: appPath }),
    ...(workspace
      ? [
          manifest(
            'Workspace',
            { name: workspace, ecosystem, domain, app },
            { image: { name: image } },
          ),
        ]
      : []),
  ];
}

/** Waits until the control plane reports host `name` (default: the local agent) healthy. */
export async function waitForHealthyHost(
  api: ApiClient,
  name = 'local',
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const host = await api.request('GET', `/api/v1/hosts/${name}`);
    if (
      host.status === 200 &&
      host.json<{ status?: { status: string } }>().status?.status === 'healthy'
    ) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`host ${name} not healthy: ${host.text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The URL path of an object from its names (`eco`, `eco/dom`, …) */
export function objectPath(...names: string[]): string {
  const collections = ['ecosystems', 'domains', 'apps', 'workspaces'];
  return `/api/v1/${names.map((name, i) => `${collections[i]}/${encodeURIComponent(name)}`).join('/')}`;
}

/** The URL path of the collection below the object named by `names` (`[]` → ecosystems). */
export function collectionPath(...names: string[]): string {
  const collections = ['ecosystems', 'domains', 'apps', 'workspaces'];
  const base = names.length === 0 ? '/api/v1' : objectPath(...names);
  return `${base}/${collections[names.length]}`;
}
