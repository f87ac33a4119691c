// Vitest reporter that counts results the way scripts/test.sh reports them and writes the counts
// as JSON to $DVM_VITEST_SUMMARY_FILE. Vitest's own JSON marks tests under a failed beforeAll as
// "skipped", indistinguishable from it.skip; here they count as failed, as do files that fail to
// load, hook errors and unhandled errors. Deliberately skipped tests (skip/todo/only) stay skipped.
import { writeFileSync } from 'node:fs';
import type {
  Reporter,
  SerializedError,
  TestCase,
  TestModule,
  TestRunEndReason,
  TestSuite,
} from 'vitest/node';

export interface VitestSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** One line per failure: the test's full name or the suite/file that errored, with the reason. */
  failures: string[];
  reason: TestRunEndReason;
}

function firstLine(errors: ReadonlyArray<{ message?: string }>): string {
  return (errors[0]?.message ?? 'error').split('\n')[0] ?? 'error';
}

export default class VitestSummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const summary: VitestSummary = { passed: 0, failed: 0, skipped: 0, failures: [], reason };
    const fail = (line: string) => {
      summary.failed += 1;
      summary.failures.push(line);
    };

    for (const module of testModules) {
      // Suites (and the module) whose own hooks or collection threw, and whether a test under
      // them already carries that failure.
      const broken = new Map<TestSuite | TestModule, boolean>();
      for (const suite of [module, ...module.children.allSuites()]) {
        if (suite.errors().length > 0) broken.set(suite, false);
      }
      const brokenAncestor = (test: TestCase): TestSuite | TestModule | undefined => {
        for (let parent: TestSuite | TestModule = test.parent; ; parent = parent.parent) {
          if (broken.has(parent)) return parent;
          if (parent.type === 'module') return undefined;
        }
      };

      for (const test of module.children.allTests()) {
        const result = test.result();
        const name = `${module.relativeModuleId} > ${test.fullName}`;
        if (result.state === 'passed') {
          summary.passed += 1;
        } else if (result.state === 'failed') {
          fail(`${name}: ${firstLine(result.errors)}`);
        } else if (result.state === 'pending') {
          fail(`${name}: did not finish (${reason})`);
        } else {
          const cause = test.options.mode === 'run' ? brokenAncestor(test) : undefined;
          if (cause) {
            broken.set(cause, true);
            fail(`${name}: not run, a hook or the file errored: ${firstLine(cause.errors())}`);
          } else {
            summary.skipped += 1;
          }
        }
      }

      // Errors no test accounts for: a file that failed to load, an afterAll that threw.
      for (const [suite, counted] of broken) {
        if (counted) continue;
        const where =
          suite.type === 'module'
            ? module.relativeModuleId
            : `${module.relativeModuleId} > ${suite.fullName}`;
        fail(`${where}: ${firstLine(suite.errors())}`);
      }
    }

    for (const error of unhandledErrors) fail(`unhandled error: ${firstLine([error])}`);

    const file = process.env.DVM_VITEST_SUMMARY_FILE;
    if (file) writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  }
}
