// Next answers an unknown path under /api/v1 with its HTML 404 page and an unsupported method with
// an empty 405. API clients are promised problem+json for every error, so server.ts asks this
// table first. It is built from the OpenAPI registry, which a test keeps equal to the route files.
import { ROUTES } from './openapi';

export type ApiRouteMatch =
  { kind: 'serve' } | { kind: 'not-found' } | { kind: 'method-not-allowed'; allow: string[] };

interface Template {
  pattern: RegExp;
  methods: Set<string>;
}

function compile(): Template[] {
  const byPath = new Map<string, Set<string>>();
  for (const key of Object.keys(ROUTES)) {
    const [method, path] = key.split(' ') as [string, string];
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    methods.add('OPTIONS');
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    methods,
  }));
}

let templates: Template[] | undefined;

export function matchApiRoute(method: string, pathname: string): ApiRouteMatch {
  if (pathname !== '/api/v1' && !pathname.startsWith('/api/v1/')) return { kind: 'serve' };
  templates ??= compile();
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const route = templates.find((template) => template.pattern.test(path));
  if (!route) return { kind: 'not-found' };
  if (route.methods.has(method.toUpperCase())) return { kind: 'serve' };
  return { kind: 'method-not-allowed', allow: [...route.methods].sort() };
}
