#!/usr/bin/env -S node --import tsx
// dvm-agent — the per-host agent that runs the container runtime and image builders for the
// control plane over gRPC (proto/agent/v1). Not built yet (issue P1.4): it refuses to start, so
// nobody mistakes it for a working agent.
console.error(
  'dvm-agent: not available yet — the host agent arrives with issue P1.4 (hosts and agents).',
);
process.exit(2);
