// `apply`: creates or updates every object of a multi-document YAML/JSON text (or `kind: List`) in
// one transaction, all or nothing. Parents may come in any order and may be left to the caller's
// active context, as the original dvm's manifests do. A dry run does the same work inside the
// transaction and rolls it back, so its answer can never differ from the real run's.

import { joinPath } from '@/lib/contracts/field-errors';
import type { DeprecatedKind, ParentLevel, ResourceKind } from '@/lib/contracts/manifest';
import { parentsOf } from '@/lib/contracts/manifest';
import { MAX_APPLY_INPUT_BYTES } from '@/lib/contracts/safe-yaml';
import {
  LEVEL_OF_KIND,
  objectInputOf,
  parseManifests,
  type ParsedManifest,
} from '@/lib/contracts/resource';
import { AppError, isAppError, type ErrorCode, type FieldError } from '@/lib/errors';
import type {
  ActiveContext,
  DataStore,
  Level,
  ObjectKey,
  ParentRef,
  StoredObject,
} from '@/lib/store/data-store';
import { nowOf, withStore, type ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';
import { manifestDiff } from './manifest-diff';
import { objectTarget, sameContent, WRITE_ACTION } from './object-rules';
import { createAudited, updateAudited } from './object-writes';
import { toBareManifest } from './resource-view';

export interface ApplyInput {
  /** YAML (one or more documents) or JSON: manifests, lists of manifests or `kind: List`. */
  text: string;
  /**
   * Do everything, then roll back; items carry diffs. The caller's store must not already be inside
   * a transaction (a nested transaction joins the outer one, which would keep the writes).
   */
  dryRun?: boolean;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyItem {
  /** Where the manifest was in the input: `[1]`, `items[0]`, `[1].items[0]`, '' for a lone manifest. */
  path: string;
  kind: ResourceKind;
  name: string;
  /** Parents, as applied (filled from the active context or the request where left out). */
  ecosystem?: string;
  domain?: string;
  app?: string;
  result: ApplyOutcome;
  /** This manifest's warnings, each starting with its path. */
  warnings: string[];
  /** Dry run only: unified diff of the manifest (YAML, without status) before → after; '' if unchanged. */
  diff?: string;
  /** Set when the manifest was a deprecated kind converted to `kind`. */
  convertedFrom?: DeprecatedKind;
}

export interface ApplyResult {
  dryRun: boolean;
  /** In the order applied: parents before children (by level), input order within a level. */
  items: ApplyItem[];
  /** Every warning of the input and its items, each starting with its path. */
  warnings: string[];
}

const LEVEL_RANK: Record<Level, number> = { ecosystem: 0, domain: 1, app: 2, workspace: 3 };
const PARENT_LEVELS: readonly ParentLevel[] = ['ecosystem', 'domain', 'app'];

/** One manifest of the request on its way to the store. */
interface Entry {
  parsed: ParsedManifest;
  kind: ResourceKind;
  level: Level;
  /** The object's key; parents are filled in as they are resolved. */
  key: ObjectKey;
  /** The parents this kind has, top-down. */
  parents: ParentLevel[];
  warnings: string[];
  /** Set once a problem was reported for this entry: it is not written. */
  failed: boolean;
}

interface Problem extends FieldError {
  code: ErrorCode;
}

/** When several problems of different kinds are found, the first of these decides the answer. */
const CODE_PRIORITY: readonly ErrorCode[] = ['INVALID', 'FORBIDDEN', 'NOT_FOUND'];

/** Thrown inside the transaction to roll a dry run back, carrying its result out. */
class DryRunRollback {
  constructor(readonly result: { items: ApplyItem[]; notes: string[] }) {}
}

function keyString(level: Level, key: ObjectKey): string {
  return objectTarget(level, key);
}

/** The key of the parent at `level` of an entry (all of whose parents down to `level` are known). */
function parentKey(entry: Entry, level: ParentLevel): ObjectKey {
  const names: ObjectKey = { name: entry.key[level]! };
  for (const above of PARENT_LEVELS.slice(0, PARENT_LEVELS.indexOf(level))) {
    names[above] = entry.key[above]!;
  }
  return names;
}

/** `domain "backend" in platform`, the store's wording for a missing object. */
function describeObject(level: Level, key: ObjectKey): string {
  const parents = PARENT_LEVELS.map((p) => key[p]).filter((n): n is string => n !== undefined);
  return parents.length > 0
    ? `${level} "${key.name}" in ${parents.join('/')}`
    : `${level} "${key.name}"`;
}

function parentRefOf(key: ObjectKey): ParentRef {
  const parent: ParentRef = {};
  for (const level of PARENT_LEVELS) if (key[level] !== undefined) parent[level] = key[level];
  return parent;
}

function toEntry(parsed: ParsedManifest): Entry {
  const { resource } = parsed;
  const key: ObjectKey = { name: resource.metadata.name };
  const parents = parentsOf(resource.kind);
  for (const level of parents) {
    const name = resource.metadata[level];
    if (name !== undefined) key[level] = name;
  }
  return {
    parsed,
    kind: resource.kind,
    level: LEVEL_OF_KIND[resource.kind],
    key,
    parents,
    warnings: [...parsed.warnings],
    failed: false,
  };
}

class ApplyRun {
  private readonly problems: Problem[] = [];
  private readonly exists = new Map<string, boolean>();
  private readonly notes: string[] = [];
  private readonly ctx: ActionContext;

  constructor(
    outer: ActionContext,
    private readonly tx: DataStore,
    private readonly entries: Entry[],
    private readonly dryRun: boolean,
  ) {
    this.ctx = withStore(outer, tx);
  }

  private report(entry: Entry, code: ErrorCode, field: string, message: string): void {
    entry.failed = true;
    this.problems.push({ code, path: joinPath(entry.parsed.path, field), message });
  }

  private note(entry: Entry, field: string, message: string): void {
    const warning = `${joinPath(entry.parsed.path, field)} ${message}`;
    entry.warnings.push(warning);
    this.notes.push(warning);
  }

  /** The items in the order applied, and the notes about parents filled in. */
  async run(): Promise<{ items: ApplyItem[]; notes: string[] }> {
    const context = this.entries.some((e) => e.parsed.missingParents.length > 0)
      ? await this.tx.getContext(this.ctx.principal.user.id)
      : {};
    for (const entry of this.entries) await this.resolveParents(entry, context);
    this.rejectDuplicates();

    const items: ApplyItem[] = [];
    for (const entry of this.entries) {
      const item = await this.applyEntry(entry);
      if (item) items.push(item);
    }
    if (this.problems.length > 0) throw this.failure();
    return { items, notes: this.notes };
  }

  private failure(): AppError {
    const code =
      CODE_PRIORITY.find((c) => this.problems.some((p) => p.code === c)) ?? this.problems[0]!.code;
    const errors = this.problems.map(({ path, message }) => ({ path, message }));
    const first = errors[0]!;
    const where = first.path === '' ? '' : `${first.path}: `;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return new AppError(code, `Nothing was applied: ${where}${first.message}${more}`, { errors });
  }

  // --- Parents left out of a manifest -------------------------------------------------------

  /**
   * Fills the parents an entry leaves out: from the active context when the context agrees with
   * the parents the entry names and the parent it leads to exists (here or in this request);
   * else from the one object of this request the entry can mean; else from the context anyway
   * (the parent is then reported missing); else the field is required.
   */
  private async resolveParents(entry: Entry, context: ActiveContext): Promise<void> {
    const missing = entry.parsed.missingParents;
    if (missing.length === 0) return;

    const fromContext = this.contextFill(entry, context);
    const contextCovers = missing.every((level) => fromContext[level] !== undefined);
    if (contextCovers && (await this.parentExists(entry, fromContext))) {
      this.fill(entry, fromContext, 'from your active context');
      return;
    }
    const fromRequest = this.requestFill(entry);
    if (fromRequest === 'ambiguous') return;
    if (fromRequest !== undefined) {
      this.fill(entry, fromRequest.names, `from the ${fromRequest.source}`);
      return;
    }
    if (contextCovers) {
      this.fill(entry, fromContext, 'from your active context');
      return;
    }
    for (const level of missing) {
      if (fromContext[level] !== undefined) continue;
      this.report(
        entry,
        'INVALID',
        `metadata.${level}`,
        `required: the ${entry.kind} does not name its ${level}, your active context has none ` +
          `that fits, and no object in this request supplies it; name it, or select one with ` +
          `\`dvm use ${level}\``,
      );
      return;
    }
  }

  /** The context's names for the missing parents, as far as the context agrees with the entry. */
  private contextFill(entry: Entry, context: ActiveContext): Partial<Record<ParentLevel, string>> {
    const filled: Partial<Record<ParentLevel, string>> = {};
    for (const level of entry.parents) {
      const named = entry.key[level];
      if (named !== undefined) {
        // A context below a different parent says nothing about this one's missing levels.
        if (context[level] !== named) break;
        continue;
      }
      const value = context[level];
      if (value === undefined) break;
      filled[level] = value;
    }
    return filled;
  }

  private fill(entry: Entry, names: Partial<Record<ParentLevel, string>>, source: string): void {
    for (const level of entry.parsed.missingParents) {
      const value = names[level];
      if (value === undefined) continue;
      entry.key[level] = value;
      this.note(entry, `metadata.${level}`, `is not named: "${value}" is taken ${source}`);
    }
  }

  /** Whether the parent an entry would have with `names` filled in exists, here or in the request. */
  private async parentExists(
    entry: Entry,
    names: Partial<Record<ParentLevel, string>>,
  ): Promise<boolean> {
    const key: ObjectKey = { ...entry.key, ...names };
    const parent = entry.parents[entry.parents.length - 1];
    if (parent === undefined) return true;
    const probe = { ...entry, key };
    const wanted = parentKey(probe, parent);
    const inRequest = this.entries.some(
      (other) =>
        other.level === parent && keyString(other.level, other.key) === keyString(parent, wanted),
    );
    if (inRequest) return true;
    // Only look in ecosystems the caller can read, so the choice reveals nothing about others.
    const ecosystem = key.ecosystem;
    if (ecosystem === undefined || !(await this.canRead(ecosystem))) return false;
    try {
      return (await this.tx.objects(parent).find(wanted)) !== undefined;
    } catch (error) {
      if (isAppError(error) && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  private async canRead(ecosystem: string): Promise<boolean> {
    const { user } = this.ctx.principal;
    if (user.isAdmin) return true;
    return (await this.tx.memberships.roleOf(user.id, ecosystem)) !== undefined;
  }

  /**
   * The parents of the one object in this request that the entry's lowest named parent can mean
   * (e.g. the only domain `backend` here, for an App naming `domain: backend`).
   */
  private requestFill(
    entry: Entry,
  ): { names: Partial<Record<ParentLevel, string>>; source: string } | 'ambiguous' | undefined {
    const named = entry.parents.filter((level) => entry.key[level] !== undefined);
    const lowest = named[named.length - 1];
    if (lowest === undefined) return undefined;
    const candidates = this.entries.filter(
      (other) =>
        other.level === lowest &&
        !other.failed &&
        other.key.name === entry.key[lowest] &&
        named.every((level) => level === lowest || other.key[level] === entry.key[level]) &&
        PARENT_LEVELS.slice(0, PARENT_LEVELS.indexOf(lowest)).every(
          (level) => other.key[level] !== undefined,
        ),
    );
    const distinct = [...new Map(candidates.map((c) => [keyString(c.level, c.key), c])).values()];
    if (distinct.length === 0) return undefined;
    if (distinct.length > 1) {
      const where = distinct.map((c) => `${describeObject(c.level, c.key)} at ${c.parsed.path}`);
      const level = entry.parsed.missingParents[0]!;
      this.report(
        entry,
        'INVALID',
        `metadata.${level}`,
        `required: this request has more than one ${lowest} "${entry.key[lowest]}" (${where.join(', ')}); name the ${level}`,
      );
      return 'ambiguous';
    }
    const match = distinct[0]!;
    const names: Partial<Record<ParentLevel, string>> = {};
    for (const level of entry.parsed.missingParents) {
      const value = match.key[level];
      if (value !== undefined) names[level] = value;
    }
    return { names, source: `${match.kind} at ${match.parsed.path} in this request` };
  }

  private rejectDuplicates(): void {
    const seen = new Map<string, Entry>();
    for (const entry of this.entries) {
      if (entry.failed) continue;
      const id = keyString(entry.level, entry.key);
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, entry);
        continue;
      }
      this.report(
        entry,
        'INVALID',
        '',
        `the same ${entry.kind} (${describeObject(entry.level, entry.key)}) is also at ${first.parsed.path}; each object may appear once`,
      );
    }
  }

  // --- Authorisation, existence and the write -------------------------------------------------

  /**
   * Authorises, checks the parents and writes one entry. The rules are createResource's and
   * replaceResource's, per object; one exception: an object that would stay unchanged needs only
   * read access, so that a developer can apply a file (an export, a repository) that also holds
   * the domains they may not change, as long as they do not change them.
   */
  private async applyEntry(entry: Entry): Promise<ApplyItem | undefined> {
    if (entry.failed) return undefined;
    const { level, key } = entry;
    const denied = await this.writeDenial(entry);
    const ecosystem = level === 'ecosystem' ? key.name : key.ecosystem!;
    if (denied && !(denied.code === 'FORBIDDEN' && (await this.canRead(ecosystem)))) {
      return this.fail(entry, denied);
    }
    const missing = await this.missingParent(entry);
    if (missing === 'parent failed') {
      // A refusal of its own still counts; a missing parent that was refused does not, twice.
      if (denied) return this.fail(entry, denied);
      entry.failed = true;
      return undefined;
    }
    if (missing) return this.fail(entry, denied ?? missing);

    const existing = await this.tx.objects(level).find(key);
    const input = objectInputOf(entry.parsed.resource);
    const unchanged = existing !== undefined && sameContent(existing, input);
    if (denied && !unchanged) return this.fail(entry, denied);

    const { principal } = this.ctx;
    const now = nowOf(this.ctx);
    let result: ApplyOutcome;
    let after: StoredObject;
    if (existing === undefined) {
      after = await createAudited(this.tx, principal, {
        level,
        parent: parentRefOf(key),
        input,
        now,
      });
      result = 'created';
    } else if (unchanged) {
      after = existing;
      result = 'unchanged';
    } else {
      after = await updateAudited(this.tx, principal, {
        level,
        key,
        before: existing,
        input,
        expectedVersion: existing.version,
        now,
      });
      result = 'configured';
    }
    this.exists.set(keyString(level, key), true);

    const { convertedFrom } = entry.parsed;
    return {
      path: entry.parsed.path,
      kind: entry.kind,
      name: key.name,
      ...(key.ecosystem !== undefined && { ecosystem: key.ecosystem }),
      ...(key.domain !== undefined && { domain: key.domain }),
      ...(key.app !== undefined && { app: key.app }),
      result,
      warnings: entry.warnings,
      ...(this.dryRun && {
        diff:
          result === 'unchanged'
            ? ''
            : manifestDiff(
                objectTarget(level, key),
                existing && toBareManifest(existing),
                toBareManifest(after),
              ),
      }),
      ...(convertedFrom !== undefined && { convertedFrom }),
    };
  }

  private fail(entry: Entry, problem: Omit<Problem, 'path'> & { field: string }): undefined {
    this.report(entry, problem.code, problem.field, problem.message);
    return undefined;
  }

  /** Why the caller may not write this entry (FORBIDDEN or NOT_FOUND), or undefined if they may. */
  private async writeDenial(
    entry: Entry,
  ): Promise<(Omit<Problem, 'path'> & { field: string }) | undefined> {
    const { level, key } = entry;
    try {
      if (level === 'ecosystem') {
        // Without a role the ecosystem is invisible: all that can be said is who may create one.
        if (!(await this.canRead(key.name))) await authorize(this.ctx, 'ecosystem.create');
        const existing = await this.tx.ecosystems.find(key);
        await authorize(this.ctx, existing ? 'ecosystem.update' : 'ecosystem.create', key.name);
      } else {
        await authorize(this.ctx, WRITE_ACTION[level], key.ecosystem);
      }
      return undefined;
    } catch (error) {
      if (!isAppError(error) || (error.code !== 'FORBIDDEN' && error.code !== 'NOT_FOUND')) {
        throw error;
      }
      const field = error.code === 'NOT_FOUND' ? 'metadata.ecosystem' : '';
      return { code: error.code, field, message: error.message };
    }
  }

  /**
   * Walks the entry's parents top-down (each written earlier in this transaction if the request
   * holds it) and returns the first missing one as a NOT_FOUND at its field; 'parent failed' when
   * that parent is in this request but was refused, which is reported once, at the parent.
   */
  private async missingParent(
    entry: Entry,
  ): Promise<(Omit<Problem, 'path'> & { field: string }) | 'parent failed' | undefined> {
    for (const level of entry.parents) {
      const key = parentKey(entry, level);
      const id = keyString(level, key);
      let found = this.exists.get(id);
      if (found === undefined) {
        found = (await this.tx.objects(level).find(key)) !== undefined;
        this.exists.set(id, found);
      }
      if (found) continue;
      if (this.entries.some((other) => other.failed && keyString(other.level, other.key) === id)) {
        return 'parent failed';
      }
      return {
        code: 'NOT_FOUND',
        field: `metadata.${level}`,
        message: `${describeObject(level, key)} not found.`,
      };
    }
    return undefined;
  }
}

export async function applyManifests(ctx: ActionContext, input: ApplyInput): Promise<ApplyResult> {
  requireActive(ctx);
  const parsed = parseManifests(input.text, { maxBytes: MAX_APPLY_INPUT_BYTES });
  const dryRun = input.dryRun ?? false;
  // Parents before children; a stable sort keeps the input order within a level.
  const entries = parsed.items
    .map(toEntry)
    .sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  let outcome: { items: ApplyItem[]; notes: string[] };
  try {
    outcome = await ctx.store.transaction(async (tx) => {
      const result = await new ApplyRun(ctx, tx, entries, dryRun).run();
      if (dryRun) throw new DryRunRollback(result);
      return result;
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
    outcome = error.result;
  }
  return { dryRun, items: outcome.items, warnings: [...parsed.warnings, ...outcome.notes] };
}
