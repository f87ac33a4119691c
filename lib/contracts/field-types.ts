// Field types shared by the spec schemas. They accept what the original Go `dvm` accepted where
// users have manifests written for it (Go's YAML decoder read `PORT: 8080` into a string field), and
// reject what would later be unsafe to pass to a shell, a Dockerfile or the container runtime.
import { z } from 'zod';

/**
 * A string field that also takes a YAML number or boolean, converted with String(). The original
 * accepted both; the conversion can lose digits (`1.20` reads as 1.2), which parseManifest reports
 * as a warning, so nothing here needs to know the field's path.
 */
export const scalarString = z.preprocess(
  (value) =>
    typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
      ? String(value)
      : value,
  z.string(),
);

/** `${NAME}` placeholders are kept verbatim (nothing expands them yet), so format checks skip them. */
export function hasPlaceholder(value: string): boolean {
  return /\$\{[^}]*\}/.test(value);
}

/**
 * A string checked by `isValid` unless it carries a `${...}` placeholder. A leading '-' is refused
 * even then: these values end up as command arguments, where it would read as an option.
 */
export function formattedString(isValid: (value: string) => boolean, message: string) {
  return z
    .string()
    .refine((value) => !value.startsWith('-') && (hasPlaceholder(value) || isValid(value)), {
      message,
    });
}

export const nonEmptyString = z.string().min(1, 'must not be empty');

/** One line of text: versions, targets, refs. Newlines there would break generated files. */
export const singleLine = z.string().regex(/^[^\r\n\0]*$/, 'must be a single line');

/** Versions are strings ("1.22", "20", "lts"); a YAML number is converted (see scalarString). */
export const versionString = scalarString.pipe(
  z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^[^\s\0]+$/, 'must not contain spaces'),
);

// Paths. A leading `${NAME}` placeholder stands for an absolute path (`${HOME}/.ssh`, as the
// original's examples write), but '..' segments are refused everywhere, placeholder or not: paths
// are later checked against allowed roots, and '..' would walk out of them.
function hasNoEscape(value: string): boolean {
  return !value.includes('\0') && !value.split('/').includes('..');
}

function isAbsolutePath(value: string): boolean {
  return value.startsWith('/') && hasNoEscape(value);
}

const LEADING_PLACEHOLDER = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export const absolutePath = z
  .string()
  .refine(
    (value) => isAbsolutePath(value) || (LEADING_PLACEHOLDER.test(value) && hasNoEscape(value)),
    {
      message: "must be an absolute path (starting with '/', without '..')",
    },
  );

export const containerPath = z.string().refine(isAbsolutePath, {
  message: "must be an absolute path in the container (starting with '/', without '..')",
});

/** A path inside the app's source tree (Dockerfile, build context): builds must not reach outside it. */
export const relativePath = z
  .string()
  .min(1, 'must not be empty')
  .refine((value) => !value.startsWith('/') && hasNoEscape(value), {
    message: "must be a path inside the app (relative, without '..')",
  });

/** Host path that may also start with `~` (the user's home on that host). */
export const hostPath = z
  .string()
  .refine(
    (value) =>
      (value.startsWith('/') || /^~(\/|$)/.test(value) || LEADING_PLACEHOLDER.test(value)) &&
      hasNoEscape(value),
    {
      message: "must be an absolute host path (starting with '/', '~/' or '${NAME}', without '..')",
    },
  );

// Environment variables and build arguments: a name, and a value that may come from a YAML scalar.
export const ENV_NAME_MESSAGE =
  "must be a variable name (letters, digits, '_', '.', '-', not starting with a digit)";
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, ENV_NAME_MESSAGE);
export const envMap = z.record(envName, scalarString);

// Image references as Docker parses them: [registry[:port]/]path[:tag][@digest].
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export const imageReference = formattedString(
  (value) => value.length <= 255 && IMAGE_REFERENCE.test(value),
  'must be an image reference such as registry.example.com/team/name:tag (lowercase repository path)',
);

// Ports: a number, or Docker's `[ip:][hostPort[-end]:]containerPort[-end][/protocol]`.
const PORT_SPEC =
  /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:(\d+)(?:-(\d+))?:)?(\d+)(?:-(\d+))?(?:\/(?:tcp|udp|sctp))?$/;

function isPortNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isPortSpec(value: string): boolean {
  const match = PORT_SPEC.exec(value);
  if (!match) return false;
  return match.slice(1).every((part) => part === undefined || isPortNumber(Number(part)));
}

export const portNumber = z
  .number()
  .refine(isPortNumber, { message: 'must be a port number between 1 and 65535' });

const PORT_MAPPING_MESSAGE =
  'must be a port (8080) or a mapping like "8080:80", "127.0.0.1:8080:80" or "8080:80/udp" with ports 1..65535';

export const portMapping = z.union(
  [portNumber, formattedString(isPortSpec, PORT_MAPPING_MESSAGE)],
  {
    error: PORT_MAPPING_MESSAGE,
  },
);

// Names of things that end up as words in generated Dockerfiles and shell commands (packages,
// tools, plugins): no spaces or shell metacharacters, so they cannot smuggle in a command.
export const packageName = z
  .string()
  .regex(
    /^[A-Za-z0-9@][A-Za-z0-9+._:=~@/^-]*$/,
    'must be a package name (letters, digits and + . _ : = ~ @ / ^ -, no spaces)',
  )
  .max(256, 'must be at most 256 characters');

export const toolName = packageName;

export const pluginName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
    "must be a plugin name (letters, digits, '.', '_', '/', '-')",
  )
  .max(256, 'must be at most 256 characters');

/** A free-form token such as a language or buildpack name. */
export const token = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9+#._-]*$/,
    "must be a single word (letters, digits, '+', '#', '.', '_', '-')",
  )
  .max(63, 'must be at most 63 characters');

/** An enum that also takes "" because the original `dvm get -o yaml` printed unset values that way. */
export function enumOrEmpty<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.literal('')], { error: `must be one of ${values.join(', ')}` });
}
