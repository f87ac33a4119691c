#!/usr/bin/env -S node --import tsx
// dvm-agent — the per-host agent that runs workspace containers for the control plane over gRPC
// (proto/agent/v1). `dvm-agent --help` lists the options; the work is in agent/cli/run-agent.ts.
import { main } from './cli/run-agent';

process.exit(await main(process.argv.slice(2), process.env));
