// Which renderer to use, with the original dvm's precedence: an explicit choice (`-o`, `?output=`)
// over DVM_RENDER over the default, `colored`. Colour needs a terminal and no NO_COLOR
// (https://no-color.org: set and not empty), otherwise `colored` becomes `plain`. Unlike the
// original, an unknown name is an error naming the choices, not a silent fallback: a script that
// asked for `-o jsn` should fail rather than parse coloured text. The caller passes the
// environment and whether its output is a terminal; nothing here reads process state.

import { invalid } from '@/lib/errors';
import { createColoredRenderer, createPlainRenderer, createTableRenderer } from './human-renderers';
import { RENDERER_NAMES, type Renderer, type RendererName, type RendererOptions } from './renderer';
import { jsonRenderer, yamlRenderer } from './structured-renderers';

export const DEFAULT_RENDERER: RendererName = 'colored';

export interface RenderEnv {
  DVM_RENDER?: string | undefined;
  NO_COLOR?: string | undefined;
}

export interface ResolveOptions extends RendererOptions {
  /** Whether the output goes to a terminal. Without one, `colored` falls back to `plain`. */
  isTTY?: boolean;
}

export function isRendererName(name: string): name is RendererName {
  return (RENDERER_NAMES as readonly string[]).includes(name);
}

/** A renderer by name, exactly as named (no colour fallback). */
export function createRenderer(name: RendererName, options: RendererOptions = {}): Renderer {
  switch (name) {
    case 'json':
      return jsonRenderer;
    case 'yaml':
      return yamlRenderer;
    case 'table':
      return createTableRenderer(options);
    case 'plain':
      return createPlainRenderer(options);
    case 'colored':
      return createColoredRenderer(options);
  }
}

function checked(name: string, source: string): RendererName {
  const normalized = name.trim().toLowerCase();
  if (isRendererName(normalized)) return normalized;
  const message = `unknown output format "${name}"; use one of ${RENDERER_NAMES.join(', ')}`;
  throw invalid(`${source}: ${message}.`, [{ path: source, message }]);
}

/** The renderer's name after precedence and colour rules, or INVALID for an unknown name. */
export function resolveRendererName(
  name: string | undefined,
  env: RenderEnv,
  options: Pick<ResolveOptions, 'isTTY'> = {},
): RendererName {
  let chosen: RendererName = DEFAULT_RENDERER;
  if (name !== undefined && name.trim() !== '') chosen = checked(name, 'output');
  else if (env.DVM_RENDER !== undefined && env.DVM_RENDER.trim() !== '')
    chosen = checked(env.DVM_RENDER, 'DVM_RENDER');
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  if (chosen === 'colored' && (noColor || options.isTTY !== true)) return 'plain';
  return chosen;
}

/**
 * The renderer to use: `name` (e.g. from `-o`) > `env.DVM_RENDER` > `colored`; `colored` becomes
 * `plain` under NO_COLOR or when `isTTY` is not true. Throws INVALID (path `output` or
 * `DVM_RENDER`) for an unknown name.
 */
export function resolveRenderer(
  name: string | undefined,
  env: RenderEnv,
  options: ResolveOptions = {},
): Renderer {
  return createRenderer(resolveRendererName(name, env, options), options);
}
