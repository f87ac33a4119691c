// Test fixtures: manifests users have for the original Go `dvm` (v0.8.0), which must apply unchanged.
// NOTES_EXAMPLES are copied verbatim from /work/shared/notes/original-dvm-v0.8.md §3.2 (condensed
// flow style, including `${VAR}` inside flow collections); DOCS_EXAMPLES are the block-style examples
// of the original's docs/configuration/yaml-schema.md; ORIGINAL_OUTPUT is what the original's
// `dvm get -o yaml` printed (yaml.v3: four-space indent, empty strings for unset enums).

export const NOTES_EXAMPLES = {
  ecosystem: `apiVersion: devopsmaestro.io/v1
kind: Ecosystem
metadata:
  name: my-platform
  annotations: {description: "Main development platform"}
spec: {domains: []}        # ignored
`,
  domain: `apiVersion: devopsmaestro.io/v1
kind: Domain
metadata:
  name: backend
  ecosystem: my-platform
  annotations: {description: "Backend services"}
spec: {}
`,
  app: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
  name: my-api
  domain: backend
  labels: {team: platform, type: api}
  annotations: {description: "RESTful API for user management"}
spec:
  path: /Users/rkohlman/apps/my-api
  language: {name: go, version: "1.22"}          # parsed, not persisted at v0.8.0
  build: {dockerfile: ./Dockerfile, buildpack: auto, args: {GITHUB_TOKEN: \${GITHUB_TOKEN}}, target: production, context: .}
  dependencies: {file: go.mod, install: go mod download, extra: [github.com/some/package]}
  services: [{name: postgres, version: "15", port: 5432, env: {POSTGRES_USER: myapp}}]
  ports: ["8080:8080"]
  env: {LOG_LEVEL: debug}
  workspaces: [main, debug]
`,
  workspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata: {name: main, app: my-api, labels: {purpose: development}, annotations: {description: "Primary development workspace"}}
spec:
  image: {name: dvm-main-my-api:latest, buildFrom: ./Dockerfile, baseImage: my-api:prod}
  build:
    args: {GITHUB_USERNAME: \${GITHUB_USERNAME}}
    devStage: {packages: [git, curl, ripgrep], devTools: [gopls, delve, golangci-lint], customCommands: ["curl -fsSL https://starship.rs/install.sh | sh -s -- -y"]}
  shell: {type: zsh, framework: oh-my-zsh, theme: starship, plugins: [git, docker], customRc: "export EDITOR=nvim"}
  terminal: {type: tmux, configPath: ~/.tmux.conf, autostart: true}
  nvim: {structure: lazyvim, plugins: [telescope, treesitter], customConfig: "vim.opt.relativenumber = true"}
  mounts: [{type: bind, source: \${HOME}/.ssh, destination: /home/dev/.ssh, readOnly: true}]
  sshKey: {mode: mount_host, path: \${HOME}/.ssh}
  env: {EDITOR: nvim, TERM: xterm-256color}
  container: {user: dev, uid: 1000, gid: 1000, workingDir: /workspace, command: ["/bin/zsh", "-l"], resources: {cpus: "2.0", memory: "2G"}}
`,
};
export const DOCS_EXAMPLES = {
  app: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
  name: my-api
  domain: backend  # Parent domain
  labels:
    team: platform
    type: api
  annotations:
    description: "RESTful API for user management"
spec:
  # Path to source code
  path: /Users/rkohlman/apps/my-api

  language:
    name: go          # go, python, node, rust, java, etc.
    version: "1.22"   # Language version

  build:
    dockerfile: ./Dockerfile      # Path to Dockerfile (if exists)
    buildpack: auto               # Or: go, python, node, etc.
    args:
      GITHUB_TOKEN: \${GITHUB_TOKEN}
    target: production            # Build target stage
    context: .                    # Build context path

  dependencies:
    file: go.mod                  # go.mod, requirements.txt, package.json
    install: go mod download      # Command to install deps
    extra:                        # Additional dependencies
      - github.com/some/package

  services:
    - name: postgres
      version: "15"
      port: 5432
      env:
        POSTGRES_USER: myapp
        POSTGRES_PASSWORD: secret
    - name: redis
      version: "7"
      port: 6379

  ports:
    - "8080:8080"     # HTTP
    - "8443:8443"     # HTTPS
    - "9090:9090"     # Metrics

  env:
    DATABASE_URL: postgres://localhost:5432/myapp
    REDIS_URL: redis://localhost:6379
    LOG_LEVEL: debug

  workspaces:
    - main
    - debug
`,
  workspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata:
  name: main
  app: my-api
  labels:
    purpose: development
  annotations:
    description: "Primary development workspace"
spec:
  image:
    name: dvm-main-my-api:latest
    buildFrom: ./Dockerfile       # Production Dockerfile to extend
    baseImage: my-api:prod        # Or use pre-built prod image

  build:
    args:
      GITHUB_USERNAME: \${GITHUB_USERNAME}
      GITHUB_PAT: \${GITHUB_PAT}
    devStage:
      packages:                   # System packages for dev
        - git
        - curl
        - wget
        - ripgrep
        - fd-find
      devTools:                   # Language dev tools (LSP, debugger, etc.)
        - gopls                   # Go LSP
        - delve                   # Go debugger
        - golangci-lint           # Linter
      customCommands:             # Custom setup commands
        - curl -fsSL https://starship.rs/install.sh | sh -s -- -y

  shell:
    type: zsh                     # zsh, bash
    framework: oh-my-zsh          # oh-my-zsh, prezto
    theme: starship               # starship, powerlevel10k
    plugins:
      - git
      - zsh-autosuggestions
      - zsh-syntax-highlighting
      - docker
      - kubectl
    customRc: |
      # Custom zsh configuration
      export EDITOR=nvim
      alias k=kubectl

  terminal:
    type: tmux                    # tmux, zellij, screen
    configPath: ~/.tmux.conf      # Mount this config
    autostart: true               # Start on attach

  nvim:
    structure: lazyvim            # lazyvim, custom, nvchad, astronvim, none
    plugins:
      - neovim/nvim-lspconfig
      - nvim-treesitter/nvim-treesitter
      - hrsh7th/nvim-cmp
      - nvim-telescope/telescope.nvim
      - lewis6991/gitsigns.nvim
    customConfig: |
      -- Custom Lua configuration
      vim.opt.relativenumber = true
      vim.opt.expandtab = true
      vim.opt.shiftwidth = 2

  mounts:
    - type: bind
      source: \${APP_PATH}
      destination: /workspace
      readOnly: false
    - type: bind
      source: \${HOME}/.ssh
      destination: /home/dev/.ssh
      readOnly: true
    - type: bind
      source: \${HOME}/.gitconfig
      destination: /home/dev/.gitconfig
      readOnly: true

  sshKey:
    mode: mount_host              # mount_host, global_dvm, per_app, generate
    path: \${HOME}/.ssh

  env:
    EDITOR: nvim
    TERM: xterm-256color
    COLORTERM: truecolor

  container:
    user: dev
    uid: 1000
    gid: 1000
    workingDir: /workspace
    command: ["/bin/zsh", "-l"]
    entrypoint: []
    resources:
      cpus: "2.0"
      memory: "2G"
`,
  pythonApp: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
  name: fastapi-service
  domain: backend
spec:
  path: /Users/dev/projects/fastapi-service
  language:
    name: python
    version: "3.11"
  build:
    dockerfile: ./Dockerfile
  dependencies:
    file: requirements.txt
    install: pip install -r requirements.txt
  services:
    - name: postgres
      version: "15"
      port: 5432
  ports:
    - "8000:8000"
  env:
    DATABASE_URL: postgres://localhost:5432/mydb
`,
  pythonWorkspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata:
  name: main
  app: fastapi-service
spec:
  image:
    name: dvm-fastapi-service:latest
  build:
    devStage:
      packages: [python3-pip, python3-venv]
      devTools: [python-lsp-server, black, isort, pytest, mypy]
  shell:
    type: zsh
    framework: oh-my-zsh
  nvim:
    structure: lazyvim
  container:
    user: dev
    uid: 1000
    gid: 1000
`,
  goApp: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
  name: go-api
  domain: platform
spec:
  path: /Users/dev/projects/go-api
  language:
    name: go
    version: "1.22"
  build:
    buildpack: go
  dependencies:
    file: go.mod
    install: go mod download
  ports:
    - "8080:8080"
  env:
    GO111MODULE: "on"
`,
  goWorkspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata:
  name: main
  app: go-api
spec:
  image:
    name: dvm-go-api:latest
  build:
    devStage:
      devTools: [gopls, delve, golangci-lint]
  shell:
    type: zsh
    theme: starship
  terminal:
    type: tmux
    autostart: true
  nvim:
    structure: lazyvim
`,
  nodeApp: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
  name: node-api
  domain: frontend
spec:
  path: /Users/dev/projects/node-api
  language:
    name: node
    version: "20"
  dependencies:
    file: package.json
    install: npm install
  ports:
    - "3000:3000"
    - "9229:9229"    # Debug port
`,
  nodeWorkspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata:
  name: main
  app: node-api
spec:
  image:
    name: dvm-node-api:latest
  build:
    devStage:
      devTools: [typescript, ts-node, typescript-language-server, prettier, eslint]
  nvim:
    structure: lazyvim
`,
};

export const ORIGINAL_OUTPUT = {
  ecosystem: `apiVersion: devopsmaestro.io/v1
kind: Ecosystem
metadata:
    name: my-platform
    annotations:
        description: Main development platform
spec: {}
`,
  domain: `apiVersion: devopsmaestro.io/v1
kind: Domain
metadata:
    name: backend
    ecosystem: my-platform
spec: {}
`,
  app: `apiVersion: devopsmaestro.io/v1
kind: App
metadata:
    name: my-api
    domain: backend
    annotations:
        description: RESTful API for user management
spec:
    path: /Users/rkohlman/apps/my-api
`,
  workspace: `apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata:
    name: main
    app: my-api
spec:
    image:
        name: dvm-main-my-api:20260208-101500
    build:
        devStage: {}
    shell:
        type: ""
    nvim:
        structure: custom
        plugins:
            - telescope
            - treesitter
    container:
        user: dev
        uid: 1000
        gid: 1000
        workingDir: /workspace
        command:
            - /bin/zsh
            - -l
`,
};
