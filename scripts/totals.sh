# shellcheck shell=bash
# totals LOG [PATTERN]: the last totals line a step printed, as "passed failed skipped". PATTERN is a
# sed -E expression with three groups for those counts (an empty group, (), where a step prints no
# skipped count); the default reads mocha's and npm test's "N passed, N failed, N skipped". A step
# that printed no totals line counts as one failure, so nothing fails silently.
totals() {
  local pattern="${2:-^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$}"
  local found
  found="$(sed -nE "s/$pattern/\1 \2 \3/p" "$1" | tail -n1)"
  if [ -z "$found" ]; then echo "0 1 0"; else
    local passed failed skipped
    read -r passed failed skipped <<<"$found"
    echo "$passed $failed ${skipped:-0}"
  fi
}
