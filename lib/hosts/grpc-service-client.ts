// The generated client class of one service of our agent contract (proto/agent/v1), loaded once
// per proto file and service: every HostAgent and TerminalHost of the process shares it.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

const clients = new Map<string, grpc.ServiceClientConstructor>();

export function agentServiceClient(
  protoPath: string,
  service: 'Agent' | 'Terminals',
): grpc.ServiceClientConstructor {
  const key = `${protoPath}#${service}`;
  let client = clients.get(key);
  if (!client) {
    const loaded = grpc.loadPackageDefinition(
      protoLoader.loadSync(protoPath, LOADER_OPTIONS),
    ) as unknown as {
      devopsmaestro: { agent: { v1: Record<string, grpc.ServiceClientConstructor> } };
    };
    client = loaded.devopsmaestro.agent.v1[service]!;
    clients.set(key, client);
  }
  return client;
}
