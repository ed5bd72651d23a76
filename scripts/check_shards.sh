#!/usr/bin/env bash
# GoogleTest sharding of a random suite run directly: with GTEST_TOTAL_SHARDS=S and
# GTEST_SHARD_INDEX=0..S-1 every shard runs a disjoint part of the cases and together they run
# all of them. Each case's default seed comes from its name (esc_tb_unit's
# Seeds.RandomSuitesHaveDistinctSeeds checks that names give distinct seeds), so disjoint case
# sets are disjoint seed sets. Registered as the ctest test shard.random (tb/CMakeLists.txt).
# Usage: scripts/check_shards.sh <random test executable> <suite> [shards] [filter]
set -euo pipefail
exe=$1
suite=$2
shards=${3:-3}
filter=${4:-"${suite}/RandomLayer.MatchesGolden/1?"}  # 10 cases: 10..19
unset GTEST_TOTAL_SHARDS GTEST_SHARD_INDEX ESC_SEED
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ESC_TRACE=0
"$exe" --gtest_list_tests --gtest_filter="$filter" |
  awk '/^[^ ]/ {s=$1} /^  / {print s $1}' | sort >"$tmp/all"
n_all=$(wc -l <"$tmp/all")
[ "$n_all" -gt 0 ] || { echo "check_shards: no tests match $filter" >&2; exit 1; }
: >"$tmp/union"
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i "$exe" --gtest_filter="$filter" >"$tmp/out$i" ||
    { cat "$tmp/out$i"; echo "check_shards: shard $i failed" >&2; exit 1; }
  grep -oE '^\[ RUN      \] .*' "$tmp/out$i" | sed 's/^\[ RUN      \] //' | sort >"$tmp/shard$i"
  echo "check_shards: shard $i/$shards ran $(wc -l <"$tmp/shard$i") of $n_all cases"
  [ -s "$tmp/shard$i" ] || { echo "check_shards: shard $i ran nothing" >&2; exit 1; }
  cat "$tmp/shard$i" >>"$tmp/union"
done
sort "$tmp/union" >"$tmp/union.sorted"
if [ -n "$(uniq -d "$tmp/union.sorted")" ]; then
  echo "check_shards: a case ran in more than one shard:" >&2
  uniq -d "$tmp/union.sorted" >&2
  exit 1
fi
if ! cmp -s "$tmp/union.sorted" "$tmp/all"; then
  echo "check_shards: the shards together did not run every case:" >&2
  diff "$tmp/all" "$tmp/union.sorted" >&2 || true
  exit 1
fi
echo "check_shards: $shards shards, $n_all cases, disjoint, union complete"
