// Compile-time guard: the two dialect schemas declare the same tables with the same columns.
// Adding a column to one dialect only makes `npm run typecheck` fail here.
import type * as pg from './postgres/schema';
import type * as lite from './sqlite/schema';

type Columns<T> = T extends { $inferSelect: infer Row } ? keyof Row : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type SameTables = Assert<Same<keyof typeof pg, keyof typeof lite>>;
export type SameColumns = Assert<
  Same<
    { [K in keyof typeof pg]: Columns<(typeof pg)[K]> },
    { [K in keyof typeof lite]: Columns<(typeof lite)[K]> }
  >
>;
