// The render layer's contract (the original dvm's render/, DESIGN.md §3): a Renderer turns one
// piece of data — a table, ordered key/value pairs, resources as manifests, or a raw value — into
// the text a user or a script reads, and a message (info, success, …) into one line. Renderers are
// pure: no I/O, no environment, no clock of their own; the caller chooses one with
// resolveRenderer() and writes the string where it belongs (a terminal, an HTTP response).

import type { ManifestOutput } from '@/lib/contracts/resource';

export const RENDERER_NAMES = ['colored', 'plain', 'table', 'json', 'yaml'] as const;
export type RendererName = (typeof RENDERER_NAMES)[number];

/** Rows of cells under headers. JSON and YAML print it as a list of `{header: cell}` objects. */
export interface TableData {
  type: 'table';
  /** Upper case, as kubectl prints them (NAME, AGE); JSON/YAML keys are their camelCase forms. */
  headers: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
  /** Said instead of an empty table by the human renderers. */
  empty?: string;
}

/** Ordered pairs (details of one thing). JSON and YAML print an object. */
export interface KeyValueData {
  type: 'keyvalue';
  pairs: ReadonlyArray<readonly [key: string, value: string]>;
  empty?: string;
}

/**
 * Several resources. JSON and YAML print a `kind: List` (which apply accepts back); the human
 * renderers print a table with the columns that fit the kinds present.
 */
export interface ResourcesData {
  type: 'resources';
  items: readonly ManifestOutput[];
  empty?: string;
}

/** One resource. JSON and YAML print the manifest; the human renderers a one-row table or details. */
export interface ResourceData {
  type: 'resource';
  item: ManifestOutput;
}

/** Anything else (an apply result, a status object). Human renderers show it as YAML. */
export interface ValueData {
  type: 'value';
  value: unknown;
}

export type RenderData = TableData | KeyValueData | ResourcesData | ResourceData | ValueData;

export const MESSAGE_LEVELS = ['info', 'success', 'warning', 'error', 'progress', 'debug'] as const;
export type MessageLevel = (typeof MESSAGE_LEVELS)[number];

export interface Message {
  level: MessageLevel;
  text: string;
}

export interface Renderer {
  readonly name: RendererName;
  /** Whether the output carries ANSI colour (only `colored`, and only when colour is allowed). */
  readonly supportsColor: boolean;
  /** The text for `data`, ending with a newline (an empty string only for nothing at all). */
  render(data: RenderData): string;
  /** One message line, ending with a newline. */
  message(message: Message): string;
}

export interface RendererOptions {
  /** "Now", for AGE columns. Defaults to the wall clock at the moment of rendering. */
  now?: () => Date;
}
