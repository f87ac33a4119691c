// The app's own Dockerfile as the base of the workspace image. Its text is kept verbatim, up to
// the end of the stage we build on (the target, else the last stage): later stages cannot be
// referenced by it, and leaving them out spares the classic builder, which builds every stage.
// That stage gets a name if it has none, so the generated dev stage can say `FROM <name>`.
// Only what the Dockerfile reference defines is read: parser directives, line continuations
// with the file's escape character, comments, and `FROM [--flags] image [AS name]`.

import { invalid } from '../errors';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, … */
  keyword: string;
  /** The arguments with continuations joined. */
  args: string;
  /** 0-based physical lines of the instruction's first and last line. */
  startLine: number;
  endLine: number;
}

export interface Stage {
  /** The image or earlier stage it starts from, as written. */
  from: string;
  /** Lower-case name (`AS x`), as BuildKit compares stage names case-insensitively. */
  name?: string;
  instruction: Instruction;
}

export interface ParsedDockerfile {
  /** Parser directive lines (`# syntax=…`, `# escape=…`), verbatim, from the top of the file. */
  directives: string[];
  /** The escape character: `\` unless an `escape` directive says '`'. */
  escape: string;
  /** Physical lines of the file (without the directives, which are hoisted). */
  lines: string[];
  instructions: Instruction[];
  stages: Stage[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);

export function parseDockerfile(text: string, path: string): ParsedDockerfile {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: string[] = [];
  let escape = '\\';
  // Directives are only recognised before any other line; an unknown one is a comment and ends them.
  while (all.length > 0) {
    const match = DIRECTIVE.exec(all[0] ?? '');
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !KNOWN_DIRECTIVES.has(name)) break;
    if (name === 'escape') {
      const value = match[2] ?? '';
      if (value !== '\\' && value !== '`') {
        throw invalid(`${path}: the escape directive must be \\ or \`, not "${value}".`);
      }
      escape = value;
    }
    directives.push(all.shift() ?? '');
  }

  const instructions: Instruction[] = [];
  let current: { parts: string[]; startLine: number } | undefined;
  const continues = (line: string) => line.trimEnd().endsWith(escape);
  all.forEach((line, index) => {
    const trimmed = line.trim();
    // Comments and blank lines are skipped, also in the middle of a continued instruction.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const body = continues(line) ? line.trimEnd().slice(0, -escape.length) : line;
    if (current === undefined) current = { parts: [], startLine: index };
    current.parts.push(body);
    if (!continues(line)) {
      const joined = current.parts.join('').trim();
      const [keyword = '', ...rest] = joined.split(/\s+/);
      instructions.push({
        keyword: keyword.toUpperCase(),
        args: rest.join(' '),
        startLine: current.startLine,
        endLine: index,
      });
      current = undefined;
    }
  });
  if (current !== undefined) {
    throw invalid(`${path}: the last instruction ends with a line continuation.`);
  }

  const stages = instructions
    .filter((instruction) => instruction.keyword === 'FROM')
    .map((instruction) => parseFrom(instruction, path));
  if (stages.length === 0) {
    throw invalid(
      `${path} has no FROM instruction, so it cannot be the base of the workspace image.`,
    );
  }
  return { directives, escape, lines: all, instructions, stages };
}

function parseFrom(instruction: Instruction, path: string): Stage {
  const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
  const from = words[0];
  if (from === undefined || from === '') {
    throw invalid(`${path} line ${instruction.startLine + 1}: FROM names no image.`);
  }
  const stage: Stage = { from, instruction };
  if (words.length >= 3 && words[1]?.toLowerCase() === 'as') stage.name = words[2]?.toLowerCase();
  return stage;
}

export interface AppBase {
  /** The app's Dockerfile text to put before the dev stage (directives removed). */
  text: string;
  directives: string[];
  escape: string;
  /** The stage name the dev stage starts `FROM`. */
  stageName: string;
  /** The image that stage chain starts from, when it is written literally (no `$ARG`). */
  image?: string;
  /** The FROM text the chain stops at, as written (`golang:${GO}-alpine`) when `image` is unknown. */
  imageAsWritten: string;
  /** All stage names used in the kept text, so the dev stage can pick a free name. */
  stageNames: string[];
  /** The kept text changes the shell (`SHELL [...]`), which the dev stage's steps must reset. */
  setsShell: boolean;
}

/**
 * Prepares the app's Dockerfile to be the base: cut after the chosen stage (the target, else the
 * last), name that stage `preferredName` (or a free variant) if it has no name, and find the image
 * its chain of stages starts from. INVALID when the target is not a stage of the file.
 */
export function appBase(
  text: string,
  options: {
    path: string;
    target?: string;
    preferredName: string;
    /** Build arg values, to tell which image a `FROM $ARG` line starts from. */
    args?: Readonly<Record<string, string>>;
  },
): AppBase {
  const parsed = parseDockerfile(text, options.path);
  const { stages } = parsed;
  let index = stages.length - 1;
  if (options.target !== undefined) {
    const wanted = options.target.toLowerCase();
    index = stages.findIndex((stage) => stage.name === wanted);
    if (index < 0) {
      const names = stages.flatMap((stage) => (stage.name ? [stage.name] : []));
      throw invalid(
        `The build target "${options.target}" is not a stage of ${options.path}` +
          (names.length > 0 ? ` (its stages: ${names.join(', ')}).` : ' (it names no stages).'),
        [{ path: 'spec.build.target', message: `no stage named "${options.target}"` }],
      );
    }
  }
  const chosen = stages[index] as Stage;
  const nextStage = stages[index + 1];
  const lines = parsed.lines.slice(
    0,
    nextStage === undefined ? parsed.lines.length : nextStage.instruction.startLine,
  );
  const stageNames = stages
    .slice(0, index + 1)
    .flatMap((stage) => (stage.name ? [stage.name] : []));
  let stageName = chosen.name;
  if (stageName === undefined) {
    stageName = freeName(options.preferredName, stageNames);
    const last = chosen.instruction.endLine;
    lines[last] = `${(lines[last] ?? '').trimEnd()} AS ${stageName}`;
    stageNames.push(stageName);
  }
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') lines.pop();
  return {
    text: `${lines.join('\n')}\n`,
    directives: parsed.directives,
    escape: parsed.escape,
    stageName,
    ...rootImage(parsed, index, options.args ?? {}),
    stageNames,
    setsShell: parsed.instructions.some(
      (instruction) => instruction.keyword === 'SHELL' && instruction.endLine < lines.length,
    ),
  };
}

/** `name`, else `name-2`, `name-3`, … — the first not among `taken`. */
export function freeName(name: string, taken: readonly string[]): string {
  let candidate = name;
  for (let n = 2; taken.includes(candidate); n += 1) candidate = `${name}-${n}`;
  return candidate;
}

/**
 * Follows `FROM <earlier stage>` back to an image, with `$NAME`/`${NAME}` replaced by the build
 * args (`args`, which the build passes) or the defaults of the global ARGs before the first FROM.
 * Undefined when a variable has no value or uses a `${NAME:-…}` form.
 */
function rootImage(
  parsed: ParsedDockerfile,
  index: number,
  args: Readonly<Record<string, string>>,
): { image?: string; imageAsWritten: string } {
  const { stages } = parsed;
  const values = { ...globalArgDefaults(parsed), ...args };
  let at = index;
  for (;;) {
    const written = (stages[at] as Stage).from;
    const from = expandArgs(written, values);
    if (from === undefined) return { imageAsWritten: written };
    // A stage can only start from a stage before it.
    const lower = from.toLowerCase();
    const earlier = stages.slice(0, at).findLastIndex((stage) => stage.name === lower);
    if (earlier < 0) return { image: from, imageAsWritten: written };
    at = earlier;
  }
}

/** `ARG NAME=value` lines before the first FROM (the only ARGs a FROM line can use). */
function globalArgDefaults(parsed: ParsedDockerfile): Record<string, string> {
  const values: Record<string, string> = {};
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword !== 'ARG') continue;
    for (const word of instruction.args.split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
      if (match) values[match[1] as string] = (match[2] as string).replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return values;
}

/** `$NAME` and `${NAME}` replaced from `values`; undefined when one cannot be. */
export function expandArgs(
  text: string,
  values: Readonly<Record<string, string>>,
): string | undefined {
  let unresolved = false;
  const expanded = text.replace(
    /\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? values[name] : undefined;
      if (value === undefined) unresolved = true;
      return value ?? '';
    },
  );
  return unresolved || expanded.includes('$') ? undefined : expanded;
}
