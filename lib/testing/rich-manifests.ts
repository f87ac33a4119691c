// Manifests that use every field the contracts know, with values chosen to trip up serialisers:
// YAML 1.1 booleans and nulls as strings, numbers that must stay strings, multi-line and unicode
// text (emoji, right-to-left, combining marks), quotes and YAML indicators at the start of values,
// key orders that are not alphabetical. Used by the round-trip and export tests.

/** A manifest as the tests write it: plain JSON. */
export type TestManifest = {
  apiVersion: 'devopsmaestro.io/v1';
  kind: 'Ecosystem' | 'Domain' | 'App' | 'Workspace';
  metadata: {
    name: string;
    ecosystem?: string;
    domain?: string;
    app?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
};

const API_VERSION = 'devopsmaestro.io/v1' as const;

/** Annotation values no serialiser should change. */
export const TRICKY_TEXT: Record<string, string> = {
  description: 'Main platform — façade for “everything” 🚀',
  multiline: 'line one\nline two\n  indented line three\n',
  'trailing-space': 'ends with a space ',
  'leading-space': ' starts with a space',
  yes: 'yes',
  no: 'no',
  on: 'on',
  null: 'null',
  tilde: '~',
  octal: '0123',
  exponent: '1e3',
  hex: '0x1F',
  infinity: '.inf',
  date: '2024-01-01',
  colon: 'key: value',
  hash: '# not a comment',
  dash: '- not a list',
  quotes: `'single' and "double"`,
  rtl: 'مرحبا بالعالم עולם',
  combining: 'e\u0301 a\u0308 n\u0303',
  cjk: '開発環境',
  tab: 'a\tb',
  backslash: 'C:\\path\\to',
  empty: '',
  braces: '{not: a map}',
  brackets: '[not, a, list]',
  anchor: '&anchor *alias',
  percent: '%YAML 1.2',
  'example.com/owner': 'team-платформа',
};

/** An ecosystem with domains, apps and workspaces below it that use every field. */
export function richManifests(ecosystem = 'rich'): TestManifest[] {
  return [
    {
      apiVersion: API_VERSION,
      kind: 'Ecosystem',
      metadata: {
        name: ecosystem,
        labels: { team: 'platform', tier: 'gold', 'example.com/cost-center': 'cc-42' },
        annotations: { ...TRICKY_TEXT },
      },
      spec: {
        theme: 'tokyonight',
        build: { args: { HTTP_PROXY: 'http://proxy:3128', GOPRIVATE: 'example.com/*' } },
        env: { TZ: 'UTC', LANG: 'C.UTF-8', EMPTY: '', NUMBERISH: '007' },
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Domain',
      metadata: {
        name: 'backend',
        ecosystem,
        labels: { team: 'core' },
        annotations: { description: 'Backend services' },
      },
      spec: {
        theme: 'gruvbox',
        env: { LOG_FORMAT: 'json' },
        build: { args: { CGO_ENABLED: '0' } },
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Domain',
      metadata: { name: 'frontend', ecosystem },
      spec: {},
    },
    {
      apiVersion: API_VERSION,
      kind: 'App',
      metadata: {
        name: 'api',
        ecosystem,
        domain: 'backend',
        labels: { type: 'api', lang: 'go' },
        annotations: {
          description: 'RESTful API',
          runbook: 'https://wiki.example.com/api?x=1&y=2',
        },
      },
      spec: {
        path: '/srv/src/api',
        git: { url: 'https://git.example.com/platform/api.git', ref: 'release/1.2' },
        language: { name: 'go', version: '1.22' },
        build: {
          dockerfile: 'build/Dockerfile',
          buildpack: 'auto',
          args: { GITHUB_TOKEN: '${GITHUB_TOKEN}', VERSION: '1.20' },
          target: 'production',
          context: '.',
        },
        dependencies: {
          file: 'go.mod',
          install: 'go mod download && go build ./...',
          extra: ['github.com/some/package@v1.2.3', 'golang.org/x/tools'],
        },
        services: [
          {
            name: 'postgres',
            image: 'postgres:15-alpine',
            version: '15',
            port: 5432,
            env: { POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'not-a-secret' },
          },
          { name: 'redis', version: '7', port: 6379 },
        ],
        env: { DATABASE_URL: 'postgres://localhost:5432/app', LOG_LEVEL: 'debug' },
        ports: [8080, '8443:443', '127.0.0.1:9090:9090', '5353:53/udp'],
        workspaces: ['dev', 'debug'],
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'App',
      metadata: { name: 'web', ecosystem, domain: 'frontend' },
      spec: { git: { url: 'git@github.com:example/web.git' } },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: {
        name: 'dev',
        ecosystem,
        domain: 'backend',
        app: 'api',
        labels: { purpose: 'development' },
        annotations: { description: 'Primary development workspace ✨' },
      },
      spec: {
        image: {
          name: 'registry.example.com/team/dvm-dev-api:latest',
          buildFrom: 'Dockerfile',
          baseImage: 'golang:1.22-bookworm',
          packages: ['git', 'curl', 'ripgrep', 'fd-find'],
        },
        build: {
          args: { GITHUB_USERNAME: '${GITHUB_USERNAME}' },
          devStage: {
            packages: ['make', 'jq'],
            devTools: ['gopls', 'delve', 'golangci-lint'],
            languageTools: ['staticcheck'],
            customCommands: [
              'curl -fsSL https://starship.rs/install.sh | sh -s -- -y',
              'echo "done" > /tmp/marker',
            ],
          },
        },
        shell: {
          type: 'zsh',
          framework: 'oh-my-zsh',
          theme: 'starship',
          plugins: ['git', 'docker', 'zsh-autosuggestions'],
          customRc: '# Custom zsh configuration\nexport EDITOR=nvim\nalias k=kubectl\n',
        },
        terminal: { type: 'tmux', configPath: '~/.tmux.conf', autostart: true },
        nvim: {
          structure: 'lazyvim',
          theme: 'catppuccin',
          plugins: [
            'nvim-telescope/telescope.nvim',
            {
              name: 'lsp',
              repo: 'neovim/nvim-lspconfig',
              branch: 'master',
              version: '1.0.0',
              commit: 'abcdef1',
              enabled: true,
              lazy: false,
              priority: 1000,
              event: ['BufReadPre', 'BufNewFile'],
              ft: 'go',
              cmd: ['LspInfo'],
              keys: [{ key: '<leader>ca', mode: ['n', 'v'], action: 'code_action', desc: 'Code' }],
              dependencies: [
                'hrsh7th/cmp-nvim-lsp',
                { repo: 'folke/neodev.nvim', branch: 'main', config: true },
              ],
              build: ':TSUpdate',
              config: 'function()\n  require("lspconfig").gopls.setup({})\nend',
              init: 'vim.g.loaded = 1',
              opts: { inlay_hints: { enabled: true }, servers: ['gopls', 'lua_ls'], depth: 3 },
            },
          ],
          customConfig: '-- Custom Lua\nvim.opt.relativenumber = true\n',
        },
        languages: [{ name: 'go', version: '1.22' }, { name: 'node' }],
        mounts: [
          { type: 'bind', source: '${HOME}/.ssh', destination: '/home/dev/.ssh', readOnly: true },
          { type: 'volume', source: 'go-cache', destination: '/home/dev/go' },
          { type: 'tmpfs', destination: '/tmp/scratch' },
          { source: '~/notes', destination: '/notes' },
        ],
        sshKey: { mode: 'mount_host', path: '${HOME}/.ssh' },
        env: { EDITOR: 'nvim', TERM: 'xterm-256color', GOFLAGS: '-mod=mod' },
        container: {
          user: 'dev',
          uid: 1000,
          gid: 1000,
          workingDir: '/workspace',
          command: ['/bin/zsh', '-l'],
          entrypoint: [],
          ports: ['3000:3000'],
          resources: { cpus: '2.5', memory: '4Gi' },
        },
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: { name: 'debug', ecosystem, domain: 'backend', app: 'api' },
      spec: {
        shell: { type: '' },
        nvim: { structure: 'none' },
        container: { resources: { cpus: 1 } },
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Workspace',
      metadata: { name: 'main', ecosystem, domain: 'frontend', app: 'web' },
      spec: {},
    },
  ];
}

/** The URL path of a manifest's object. */
export function pathOf(manifest: TestManifest): string {
  const { name, ecosystem, domain, app } = manifest.metadata;
  const names = [ecosystem, domain, app].filter((n): n is string => n !== undefined).concat(name);
  const collections = ['ecosystems', 'domains', 'apps', 'workspaces'];
  return `/api/v1/${names.map((n, i) => `${collections[i]}/${encodeURIComponent(n)}`).join('/')}`;
}
