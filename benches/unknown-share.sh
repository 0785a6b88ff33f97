#!/usr/bin/env bash
# The share of packages whose licence ends unknown (NOASSERTION), audited online with no
# fundament configuration, on real repositories: by default every fixture of ../shared/fixtures,
# else the directories given as arguments.
#
#   cargo build --release && bash benches/unknown-share.sh [DIR...]
#
# The fixtures carry placeholder registry hosts (npm.registry.example, pypi.registry.example,
# files.pypi.registry.example); each copy gets the hosts this machine's own clients report
# (`npm config get registry`, pip's default index and file host) so that the lockfiles' URLs
# lead where they led before scrubbing. No host name is written here. Each repository is
# audited with an empty cache (cold) and no fundament.toml, policy or [registries]; the
# ecosystems' clients (npm, pip, go, mvn) are on PATH as on a developer's machine.
#
# Output: one line per repository (packages, unknown, share) and the total; with
# UNKNOWN_LIST=1 the unknown packages and why.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${FUNDAMENT:-$here/target/release/fundament}"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }

npm_registry="$(cd / && npm config get registry 2>/dev/null || true)"
npm_host="$(printf '%s' "$npm_registry" | sed -E 's#^https?://([^/]+).*#\1#')"
read -r pypi_simple pypi_files < <(cd / && python3 -c \
  'from pip._internal.models.index import PyPI; print(PyPI.simple_url, PyPI.file_storage_domain)')
pypi_host="$(printf '%s' "$pypi_simple" | sed -E 's#^https?://([^/]+).*#\1#')"

if [ $# -gt 0 ]; then
  repos=("$@")
else
  repos=()
  for d in "$here"/../shared/fixtures/*/; do repos+=("${d%/}"); done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
total=0
unknown_total=0
printf '%-24s %9s %8s %8s %8s\n' repository packages unknown share seconds
for repo in "${repos[@]}"; do
  name="$(basename "$repo")"
  copy="$work/$name"
  cp -r "$repo" "$copy"
  # Placeholder hosts back to the ones the clients report.
  grep -rlE 'registry\.example' "$copy" 2>/dev/null | while read -r f; do
    sed -i -e "s#files\.pypi\.registry\.example#$pypi_files#g" \
      -e "s#npm\.registry\.example#$npm_host#g" \
      -e "s#pypi\.registry\.example#$pypi_host#g" "$f"
  done || true
  # The repositories' own policies are not used: "no configuration".
  rm -f "$copy/fundament.toml"
  start=$(date +%s.%N)
  FUNDAMENT_CACHE_DIR="$work/cache-$name" "$bin" audit --format json "$copy" \
    >"$work/$name.json" 2>"$work/$name.err" || true
  end=$(date +%s.%N)
  read -r count unknown < <(jq -r '[.packages[] | select(.root | not)] |
      "\(length) \([.[] | select(.licence.concluded.expression == "NOASSERTION")] | length)"' \
      "$work/$name.json" 2>/dev/null || echo "0 0")
  total=$((total + count))
  unknown_total=$((unknown_total + unknown))
  printf '%-24s %9d %8d %7.2f%% %8.1f\n' "$name" "$count" "$unknown" \
    "$(echo "$unknown * 100 / ($count + ($count == 0))" | bc -l)" "$(echo "$end - $start" | bc -l)"
  if [ "${UNKNOWN_LIST:-}" = 1 ]; then
    jq -r '.packages[] | select((.root | not) and .licence.concluded.expression == "NOASSERTION")
      | "    \(.ecosystem) \(.name) \(.version): \(.licence.concluded.explanation)"' \
      "$work/$name.json" | head -"${UNKNOWN_LIST_MAX:-40}"
  fi
done
printf '%-24s %9d %8d %7.2f%%\n' total "$total" "$unknown_total" \
  "$(echo "$unknown_total * 100 / ($total + ($total == 0))" | bc -l)"
