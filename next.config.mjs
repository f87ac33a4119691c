// Next.js configuration. The app is served by our own server.ts (`next({ dev, dir })`), never by
// `next start`, so WebSocket upgrades stay ours.

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or socket-owning packages are loaded from node_modules at run time, not bundled: the
  // Next bundle then shares them with server.ts, which runs in the same process.
  serverExternalPackages: ['better-sqlite3', 'postgres', 'dockerode', '@node-rs/argon2'],
  typedRoutes: false,
  // Type checking is `npm run typecheck` (whole repo, a CI gate). Next's own check reads the same
  // tsconfig, so a type error in a benchmark or a test would stop `npm start` from serving.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  // The YAML page's apply action takes what `POST /api/v1/apply` takes (4 MiB of manifests), plus
  // room for the form's other fields; Next's default of 1 MB would refuse a large paste with its
  // own error instead of ours.
  experimental: { serverActions: { bodySizeLimit: '5mb' } },
};

export default nextConfig;
