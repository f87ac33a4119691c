// Names of objects, and the labels and annotations every object carries. Object names end up in
// URLs, container and image names and Docker labels, so they are held to the strictest common
// rule (an RFC 1123 DNS label); labels follow Kubernetes so selectors behave the way users expect.
import { z } from 'zod';

import { scalarString } from './field-types';

export const MAX_NAME_LENGTH = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const DNS_LABEL_MESSAGE =
  "must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters, starting and ending with a letter or digit)";

export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && DNS_LABEL.test(value);
}

/** The name of an Ecosystem, Domain, App or Workspace, and of a parent named in metadata. */
export const nameSchema = z
  .string()
  .refine((value) => value.length > 0, { message: 'must not be empty' })
  .refine((value) => value.length === 0 || isDnsLabel(value), { message: DNS_LABEL_MESSAGE });

// Kubernetes label syntax: `[prefix/]name`, prefix a DNS subdomain of at most 253 characters.
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_LABEL_PREFIX_LENGTH = 253;

export const LABEL_KEY_MESSAGE =
  "must be a label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters " +
  "(letters, digits, '-', '_', '.', starting and ending with a letter or digit)";
export const LABEL_VALUE_MESSAGE =
  "must be empty or at most 63 characters (letters, digits, '-', '_', '.'), starting and ending with a letter or digit";

export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (
    prefix !== undefined &&
    (prefix.length > MAX_LABEL_PREFIX_LENGTH || !DNS_SUBDOMAIN.test(prefix))
  )
    return false;
  return name.length <= MAX_NAME_LENGTH && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= MAX_NAME_LENGTH && LABEL_NAME.test(value));
}

export const labelsSchema = z.record(
  z.string().refine(isLabelKey, { message: LABEL_KEY_MESSAGE }),
  scalarString.refine(isLabelValue, { message: LABEL_VALUE_MESSAGE }),
);

/** Annotations are free text (descriptions, tool data); only their total size is bounded. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const utf8 = new TextEncoder();

export function annotationsSize(annotations: Record<string, string>): number {
  let size = 0;
  for (const [key, value] of Object.entries(annotations))
    size += utf8.encode(key).length + utf8.encode(value).length;
  return size;
}

export const annotationsSchema = z
  .record(z.string(), scalarString)
  .superRefine((annotations, ctx) => {
    const size = annotationsSize(annotations);
    if (size > MAX_ANNOTATIONS_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_ANNOTATIONS_BYTES} bytes (256 KiB) in total, keys and values together; got ${size}`,
      });
    }
  });
