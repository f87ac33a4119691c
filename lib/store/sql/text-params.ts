// PostgreSQL text cannot hold NUL characters (SQLite can), so a NUL in a name, an email or a
// lookup key would fail on one dialect only — as a driver error. Both drivers refuse it up front,
// the same way, as bad input. JSON columns are unaffected: JSON escapes NUL as \u0000.
import { invalid } from '../../errors';

const MESSAGE = 'text values may not contain NUL (\\u0000) characters';

export function refuseNulCharacters(params: readonly unknown[]): void {
  for (const param of params) {
    if (typeof param === 'string' && param.includes('\u0000')) {
      throw invalid(`The input is not valid: ${MESSAGE}.`, [{ path: '', message: MESSAGE }]);
    }
  }
}
