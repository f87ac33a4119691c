// The Workspace spec: a containerised dev environment for an App. Field names follow the original
// `dvm` WorkspaceSpec (models/workspace.go at v0.8.0, and its docs) so existing manifests and
// `dvm get -o yaml` output apply unchanged; `image.packages`, `nvim.theme`, object-form nvim
// plugins, `languages`, and `container.ports` are additions.
import { z } from 'zod';

import {
  containerPath,
  enumOrEmpty,
  envMap,
  formattedString,
  hostPath,
  imageReference,
  packageName,
  pluginName,
  portMapping,
  relativePath,
  scalarString,
  singleLine,
  token,
  toolName,
  versionString,
} from './field-types';

export const NVIM_STRUCTURES = ['lazyvim', 'custom', 'nvchad', 'astronvim', 'none'] as const;
export const SHELL_TYPES = ['zsh', 'bash', 'fish', 'sh'] as const;
export const TERMINAL_TYPES = ['tmux', 'zellij', 'screen'] as const;
export const MOUNT_TYPES = ['bind', 'volume', 'tmpfs'] as const;
// The code says per_project, the original docs say per_app: manifests exist with both.
export const SSH_KEY_MODES = [
  'mount_host',
  'global_dvm',
  'per_project',
  'per_app',
  'generate',
] as const;

export const imageSchema = z.strictObject({
  name: imageReference.optional(),
  /** A Dockerfile in the app to extend. */
  buildFrom: relativePath.optional(),
  baseImage: imageReference.optional(),
  packages: z.array(packageName).optional(),
});

export const devStageSchema = z.strictObject({
  packages: z.array(packageName).optional(),
  devTools: z.array(toolName).optional(),
  languageTools: z.array(toolName).optional(),
  /** Shell commands run in the dev stage; free text on purpose. */
  customCommands: z.array(z.string()).optional(),
});

export const workspaceBuildSchema = z.strictObject({
  args: envMap.optional(),
  devStage: devStageSchema.optional(),
});

export const shellSchema = z.strictObject({
  type: enumOrEmpty(SHELL_TYPES).optional(),
  framework: token.optional(),
  theme: token.optional(),
  plugins: z.array(pluginName).optional(),
  customRc: z.string().optional(),
});

export const terminalSchema = z.strictObject({
  type: enumOrEmpty(TERMINAL_TYPES).optional(),
  configPath: hostPath.optional(),
  autostart: z.boolean().optional(),
});

// lazy.nvim plugin specs as the original NvimPlugin resource described them (`nvp`): a plugin in a
// workspace may be a library name or an inline spec with these fields.
const oneOrMany = z.union([z.string(), z.array(z.string())], {
  error: 'must be a string or a list of strings',
});

const pluginKeySchema = z.strictObject({
  key: z.string().min(1, 'must not be empty'),
  mode: oneOrMany.optional(),
  action: z.string().optional(),
  desc: z.string().optional(),
});

const GITHUB_REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const repoName = formattedString(
  (value) => GITHUB_REPO.test(value),
  'must be a GitHub repository as owner/name',
);

const pluginDependencySchema = z.union(
  [
    repoName,
    z.strictObject({
      repo: repoName,
      branch: singleLine.optional(),
      version: versionString.optional(),
      build: z.string().optional(),
      config: z.union([z.boolean(), z.string()]).optional(),
    }),
  ],
  { error: 'must be a repository (owner/name) or an object with repo' },
);

export const nvimPluginSpecSchema = z
  .strictObject({
    name: pluginName.optional(),
    repo: repoName.optional(),
    branch: singleLine.optional(),
    tag: singleLine.optional(),
    version: versionString.optional(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/, 'must be a commit hash')
      .optional(),
    enabled: z.boolean().optional(),
    lazy: z.boolean().optional(),
    priority: z.number().int('must be a whole number').optional(),
    event: oneOrMany.optional(),
    ft: oneOrMany.optional(),
    cmd: oneOrMany.optional(),
    keys: z.array(pluginKeySchema).optional(),
    dependencies: z.array(pluginDependencySchema).optional(),
    build: z.string().optional(),
    /** Lua: a function body, or `true` for `config = true`. */
    config: z.union([z.boolean(), z.string()], { error: 'must be Lua code or true' }).optional(),
    init: z.string().optional(),
    /** Options table, or raw Lua. */
    opts: z
      .union([z.record(z.string(), z.json()), z.string()], {
        error: 'must be an object or Lua code',
      })
      .optional(),
  })
  .superRefine((plugin, ctx) => {
    if (plugin.name === undefined && plugin.repo === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'required: a plugin needs a name or a repo',
      });
    }
  });

export const nvimPluginSchema = z.union([pluginName, nvimPluginSpecSchema], {
  error: 'must be a plugin name or an object with name and/or repo',
});

export const nvimSchema = z.strictObject({
  structure: enumOrEmpty(NVIM_STRUCTURES).optional(),
  plugins: z.array(nvimPluginSchema).optional(),
  theme: pluginName.optional(),
  /** Raw Lua appended to the generated config. */
  customConfig: z.string().optional(),
});

export const workspaceLanguageSchema = z.strictObject({
  name: token,
  version: versionString.optional(),
});

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const mountSchema = z
  .strictObject({
    /** Defaults to bind, as in the original's examples that leave it out. */
    type: z.enum(MOUNT_TYPES, { error: `must be one of ${MOUNT_TYPES.join(', ')}` }).optional(),
    source: z.string().optional(),
    destination: containerPath,
    readOnly: z.boolean().optional(),
  })
  .superRefine((mount, ctx) => {
    const type = mount.type ?? 'bind';
    if (type === 'tmpfs') return;
    if (mount.source === undefined || mount.source === '') {
      ctx.addIssue({ code: 'custom', path: ['source'], message: `required for a ${type} mount` });
      return;
    }
    const sourceCheck =
      type === 'bind'
        ? hostPath
        : z.string().regex(VOLUME_NAME, "must be a volume name (letters, digits, '_', '.', '-')");
    const result = sourceCheck.safeParse(mount.source);
    if (!result.success) {
      for (const issue of result.error.issues)
        ctx.addIssue({ code: 'custom', path: ['source'], message: issue.message });
    }
  });

export const sshKeySchema = z.strictObject({
  mode: z.enum(SSH_KEY_MODES, { error: `must be one of ${SSH_KEY_MODES.join(', ')}` }),
  path: hostPath.optional(),
});

const MAX_ID = 2 ** 31 - 1;
const posixId = z
  .number()
  .int('must be a whole number')
  .min(0, `must be between 0 and ${MAX_ID}`)
  .max(MAX_ID, `must be between 0 and ${MAX_ID}`);

// Docker's --memory syntax (512m, 2G, 1.5g, bytes) plus Kubernetes' binary suffixes (2Gi).
const MEMORY = /^(?:\d+(?:\.\d+)?)(?:[bkmgtBKMGT]|[kmgtKMGT][iI]?[bB]?)?$/;

const CPUS = /^\d+(\.\d+)?$/;
const CPUS_MESSAGE = 'must be a number of CPUs more than 0, such as 2 or "1.5"';

export const resourcesSchema = z.strictObject({
  /** Kept as written (number or string) so it round-trips. */
  cpus: z
    .union([z.number(), z.string()], { error: CPUS_MESSAGE })
    .refine((value) => (typeof value === 'number' || CPUS.test(value)) && Number(value) > 0, {
      message: CPUS_MESSAGE,
    })
    .optional(),
  memory: scalarString
    .refine((value) => MEMORY.test(value) && Number.parseFloat(value) > 0, {
      message: 'must be a memory size more than 0, such as 512m, 2G or 4Gi',
    })
    .optional(),
});

export const containerSchema = z.strictObject({
  user: z
    .string()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/,
      "must be a user name (letters, digits, '_', '.', '-', at most 32)",
    )
    .optional(),
  uid: posixId.optional(),
  gid: posixId.optional(),
  workingDir: containerPath.optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  ports: z.array(portMapping).optional(),
  resources: resourcesSchema.optional(),
});

export const workspaceSpecSchema = z.strictObject({
  image: imageSchema.optional(),
  build: workspaceBuildSchema.optional(),
  shell: shellSchema.optional(),
  terminal: terminalSchema.optional(),
  nvim: nvimSchema.optional(),
  languages: z.array(workspaceLanguageSchema).optional(),
  mounts: z.array(mountSchema).optional(),
  sshKey: sshKeySchema.optional(),
  env: envMap.optional(),
  container: containerSchema.optional(),
});

export type WorkspaceSpec = z.output<typeof workspaceSpecSchema>;
export type NvimPlugin = z.output<typeof nvimPluginSchema>;
