#!/usr/bin/env bash
# The whole test suite — `npm test`. Inside scripts/with-test-env.sh (real PostgreSQL, Docker engine,
# Chromium) it runs lint, typecheck, the Next production build (the e2e tests serve it) and every
# vitest test, then prints a summary whose last line is exactly "N passed, N failed".
# Counting: lint, typecheck and (when it runs) the build are one test each; every vitest test is
# one; tests that errored (a failing hook, a file that does not load) count as failed, and so does
# vitest itself when it cannot run or exits non-zero without a failing test. Exit status 1 when
# anything failed. Reports stay in .test-env/ (vitest-report.json is vitest's JSON reporter).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
export NEXT_TELEMETRY_DISABLED=${NEXT_TELEMETRY_DISABLED:-1}
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$here/lib/log.sh"

results=${DVM_TEST_RESULTS_DIR:-$repo/.test-env}
steps_file=$results/steps.tsv
vitest_json=$results/vitest-report.json
vitest_summary=$results/vitest-summary.json

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$steps_file"; }

# step NAME COMMAND... — run one counted step, record passed/failed and its duration.
step() {
  local name=$1 started rc
  shift
  log "── $name: $*"
  started=$(now)
  set +e
  "$@"
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    record "$name" passed "$(elapsed "$started")" 0
  else
    record "$name" failed "$(elapsed "$started")" "$rc"
    log "$name failed (exit $rc)"
  fi
}

# A Next build needs at least one route; an empty or missing app/ cannot build yet.
has_routes() {
  [[ -d app ]] && [[ -n $(find app -type f \( -name 'page.*' -o -name 'route.*' \) -print -quit) ]]
}

inside() {
  step lint npm run lint
  step typecheck npm run typecheck
  if has_routes; then
    step build npm run build
  else
    log "── build: skipped, app/ has no pages or routes yet"
    record build skipped - 0
  fi
  local started rc
  log "── vitest: npx vitest run"
  started=$(now)
  set +e
  DVM_VITEST_SUMMARY_FILE=$vitest_summary npx vitest run \
    --reporter=verbose \
    --reporter=json --outputFile.json="$vitest_json" \
    --reporter=./scripts/lib/vitest-summary-reporter.ts
  rc=$?
  set -e
  record vitest ran "$(elapsed "$started")" "$rc"
}

if [[ ${1:-} == --inside ]]; then
  inside
  exit 0
fi

mkdir -p "$results"
rm -f "$steps_file" "$vitest_json" "$vitest_summary"
: >"$steps_file"
started=$(now)
set +e
DVM_TEST_RESULTS_DIR=$results bash "$here/with-test-env.sh" bash "$here/test.sh" --inside
env_rc=$?
set -e

# ---- summary -----------------------------------------------------------------------------------
passed=0
failed=0
failures=()
lookup() { awk -F'\t' -v n="$1" '$1 == n { print $2 "\t" $3 "\t" $4 }' "$steps_file" | tail -n1; }

echo
echo "──────── test summary ────────"
for name in lint typecheck build; do
  IFS=$'\t' read -r status took code <<<"$(lookup "$name")" || true
  case ${status:-} in
    passed)
      passed=$((passed + 1))
      printf '  %-10s passed   %s\n' "$name" "$took"
      ;;
    failed)
      failed=$((failed + 1))
      failures+=("$name (exit $code)")
      printf '  %-10s FAILED   %s (exit %s)\n' "$name" "$took" "$code"
      ;;
    skipped) printf '  %-10s skipped  (app/ has no routes yet)\n' "$name" ;;
    *)
      if [[ $name != build ]]; then
        failed=$((failed + 1))
        failures+=("$name: not run (the test environment failed to start, exit $env_rc)")
        printf '  %-10s NOT RUN\n' "$name"
      fi
      ;;
  esac
done

IFS=$'\t' read -r status took vitest_rc <<<"$(lookup vitest)" || true
if [[ ${status:-} == ran && -s $vitest_summary ]]; then
  # Line 1: the three counts; then one line per failure.
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${s.passed} ${s.failed} ${s.skipped}`);
    for (const f of s.failures) console.log(f.replace(/\s+/g, " "));
  ' "$vitest_summary" >"$results/vitest-failures.txt"
  read -r v_passed v_failed v_skipped <"$results/vitest-failures.txt"
  while IFS= read -r line; do failures+=("$line"); done < <(tail -n +2 "$results/vitest-failures.txt")
  passed=$((passed + v_passed))
  failed=$((failed + v_failed))
  printf '  %-10s %s passed, %s failed, %s skipped   %s (exit %s)\n' vitest "$v_passed" "$v_failed" "$v_skipped" "$took" "$vitest_rc"
  if [[ $vitest_rc -ne 0 && $v_failed -eq 0 ]]; then
    failed=$((failed + 1))
    failures+=("vitest exited $vitest_rc without a failing test (no test files, bad config or an error outside tests; see its output above)")
  fi
else
  failed=$((failed + 1))
  if [[ ${status:-} == ran ]]; then
    failures+=("vitest could not run (exit $vitest_rc, no results; see its output above)")
  else
    failures+=("vitest: not run (the test environment failed to start, exit $env_rc)")
  fi
  printf '  %-10s COULD NOT RUN\n' vitest
fi

if [[ ${#failures[@]} -gt 0 ]]; then
  echo
  echo "Failed:"
  for line in "${failures[@]:0:60}"; do printf '  ✗ %s\n' "${line:0:300}"; done
  [[ ${#failures[@]} -le 60 ]] || printf '  … and %d more (see %s)\n' $((${#failures[@]} - 60)) "$vitest_summary"
fi
echo
echo "Reports in $results/ (vitest-report.json: vitest JSON reporter); total time $(elapsed "$started")"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
