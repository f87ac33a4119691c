import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as buildRequests from './build-requests';
import * as identityRequests from './identity-requests';
import { buildOpenApiDocument, ROUTES } from './openapi';
import * as resourceRequests from './resource-requests';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const API_DIR = path.join(ROOT, 'app', 'api', 'v1');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return /^route\.(ts|tsx|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

/** `METHOD /api/v1/path/{param}` → the route file's source, for every method a file exports. */
function servedRoutes(): Map<string, string> {
  const served = new Map<string, string>();
  for (const file of routeFiles(API_DIR)) {
    const source = readFileSync(file, 'utf8');
    const urlPath =
      `/api/v1/${path.relative(API_DIR, path.dirname(file)).split(path.sep).join('/')}`
        .replace(/\/$/, '')
        .replace(/\[(\w+)\]/g, '{$1}');
    const names = METHODS.join('|');
    const exported = new Set<string>();
    for (const m of source.matchAll(
      new RegExp(`export\\s+(?:const|let|var|async\\s+function|function)\\s+(${names})\\b`, 'g'),
    ))
      exported.add(m[1]!);
    for (const m of source.matchAll(/export\s*\{([^}]*)\}/g))
      for (const part of m[1]!.split(',')) {
        const name = part
          .trim()
          .split(/\s+as\s+/)
          .pop()
          ?.trim();
        if (name && METHODS.includes(name)) exported.add(name);
      }
    for (const method of exported) {
      // The method's own line, plus the body of the shared handler it delegates to, if any.
      const line = new RegExp(`export\\s+const\\s+${method}\\b.*`).exec(source)?.[0] ?? source;
      const handler = /\b(\w+Handler)\b/.exec(line)?.[1];
      served.set(
        `${method} ${urlPath}`,
        handler ? `${line}\n${SHARED_HANDLERS.get(handler) ?? ''}` : source,
      );
    }
  }
  return served;
}

/** The shared handler modules cut into their exported handlers (factories or constants), by name. */
const SHARED_HANDLERS = new Map(
  [
    'resource-handlers.ts',
    'workspace-handlers.ts',
    'build-handlers.ts',
    'terminal-handlers.ts',
  ].flatMap((file) =>
    readFileSync(path.join(ROOT, 'lib', 'http', file), 'utf8')
      .split(/(?=^export (?:function|const) )/m)
      .map((part) => [/^export (?:function|const) (\w+)/.exec(part)?.[1] ?? '', part] as const)
      .filter(([name]) => name !== ''),
  ),
);

const document = buildOpenApiDocument();
const served = servedRoutes();

describe('the OpenAPI registry matches the routes', () => {
  it('finds the route files', () => {
    expect(served.size).toBeGreaterThan(20);
  });

  it('every route × method under app/api/v1 has an operation', () => {
    const missing = [...served.keys()].filter((key) => !(key in ROUTES));
    expect(
      missing,
      `Describe these in ROUTES (lib/http/openapi.ts) — query, body and answer schemas:\n${missing.join('\n')}`,
    ).toEqual([]);
  });

  it('every operation is served by a route file', () => {
    const stale = Object.keys(ROUTES).filter((key) => !served.has(key));
    expect(stale, `ROUTES describes routes app/api/v1 does not serve`).toEqual([]);
  });

  it('each operation names the query schema its route parses with', () => {
    const names = new Map<unknown, string>();
    for (const [name, value] of Object.entries({
      ...identityRequests,
      ...resourceRequests,
      ...buildRequests,
    }))
      names.set(value, name);
    const wrong: string[] = [];
    for (const [key, operation] of Object.entries(ROUTES)) {
      if (!operation.query) continue;
      const name = names.get(operation.query);
      const source = served.get(key) ?? '';
      if (!name || !new RegExp(`\\b${name}\\b`).test(source))
        wrong.push(
          `${key}: documents ${name ?? 'an unexported schema'}, the route does not use it`,
        );
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
  });
});

/** Every `$ref` in `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refs(item, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push(child);
      else refs(child, out);
    }
  }
  return out;
}

function resolve(pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>(
      (node, part) =>
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
          : undefined,
      document,
    );
}

type Json = Record<string, unknown>;
const schemas = (document.components as Json).schemas as Record<string, Json>;

function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'dvm', components: document.components }, 'dvm');
  return (name: string, value: unknown) => {
    const validate = ajv.compile({ $ref: `dvm#/components/schemas/${name}` });
    return validate(value) ? [] : (validate.errors ?? []);
  };
}

describe('the document', () => {
  it('is OpenAPI 3.1 with an operation per route', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths as Record<string, Json>).flatMap((item) =>
      Object.keys(item),
    );
    expect(operations).toHaveLength(Object.keys(ROUTES).length);
  });

  it('has only references that resolve, inside the document', () => {
    const broken = [...new Set(refs(document))].filter(
      (pointer) => !pointer.startsWith('#/') || resolve(pointer) === undefined,
    );
    expect(broken).toEqual([]);
  });

  it('has unique operation ids and declares every path parameter', () => {
    const ids: string[] = [];
    for (const [route, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const operation of Object.values(item) as Json[]) {
        ids.push(operation.operationId as string);
        const declared = (operation.parameters as Json[])
          .filter((p) => p.in === 'path')
          .map((p) => p.name);
        expect(declared, route).toEqual([...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has schemas a JSON Schema 2020-12 validator compiles', () => {
    const check = validator();
    for (const name of Object.keys(schemas)) expect(() => check(name, {}), name).not.toThrow();
  });

  it('describes manifests the way the contracts read them', () => {
    const check = validator();
    const workspace = {
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Workspace',
      metadata: { name: 'dev', ecosystem: 'e', domain: 'd', app: 'a', labels: {}, annotations: {} },
      spec: {
        image: { name: 'dvm-dev:latest' },
        nvim: { plugins: [{ name: 'x', opts: { a: [1] } }] },
      },
      status: {
        id: '0193a000-0000-7000-8000-000000000000',
        version: 2,
        createdAt: '2026-11-27T12:00:00.000Z',
        updatedAt: '2026-11-27T12:00:00.000Z',
      },
    };
    expect(check('Workspace', workspace)).toEqual([]);
    expect(check('WorkspacePage', { items: [workspace], nextCursor: null })).toEqual([]);
    expect(check('Workspace', { ...workspace, extra: 1 })).not.toEqual([]);
    const { status: _status, ...bare } = workspace;
    expect(
      check('List', { apiVersion: 'devopsmaestro.io/v1', kind: 'List', items: [bare] }),
    ).toEqual([]);
    // Bodies: the full manifest without parents, the short form, and Project for apps.
    expect(check('WorkspaceBody', { metadata: { name: 'dev' }, spec: {} })).toEqual([]);
    expect(
      check('WorkspaceBody', {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Workspace',
        metadata: { name: 'dev' },
      }),
    ).toEqual([]);
    expect(check('WorkspaceBody', { metadata: { name: 'dev' }, spec: { nope: 1 } })).not.toEqual(
      [],
    );
    expect(
      check('AppBody', {
        apiVersion: 'devopsmaestro.io/v1',
        kind: 'Project',
        metadata: { name: 'api' },
        spec: { path: '/src/api' },
      }),
    ).toEqual([]);
    expect(
      check('Problem', {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'x',
        code: 'INVALID',
        errors: [{ path: '[1].spec', message: 'unknown field' }],
      }),
    ).toEqual([]);
  });

  it('documents the query parameters from the schemas the routes parse', () => {
    const list = (document.paths as Record<string, Json>)['/api/v1/ecosystems']!.get as Json;
    const names = (list.parameters as Json[]).map((p) => p.name);
    expect(names).toEqual(['limit', 'cursor', 'labelSelector', 'output']);
    const apply = (document.paths as Record<string, Json>)['/api/v1/apply']!.post as Json;
    expect((apply.parameters as Json[]).map((p) => p.name)).toEqual(['dryRun', 'output']);
    expect(Object.keys((apply.requestBody as { content: Json }).content)).toEqual([
      'application/json',
      'application/yaml',
    ]);
  });
});
