#!/usr/bin/env bash
# Long fuzzing campaigns: runs each Jazzer @FuzzTest target (every bundle's *FuzzTest) with the
# standalone Jazzer driver for --time seconds, growing the module's generated corpus
# (.cifuzz-corpus/, not in git) from the checked-in inputs (src/test/resources/.../*FuzzTestInputs,
# which CI replays and seeds from). A crash lands in the inputs directory as crash-<sha1>: commit it
# with the fix and a plain unit test. Prints one JSON line per target and a table.
#
#   bench/fuzz.sh [--time SECONDS] [--merge] [TARGET...]     TARGET: a class name such as VirtqueueFuzzTest
#
# --merge instead adds to the checked-in inputs the generated-corpus entries that reach coverage the
# inputs do not (libFuzzer -merge=1), to commit as the regression corpus.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/bench/lib.sh"
secs=600
merge=
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --time) secs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
bench_build
. "$here/bin/jdk25.sh"
java=$JAVA_HOME/bin/java
bench_results fuzz
printf '%-28s %-22s %8s %10s %8s %6s %s\n' target bundle seconds execs exec/s cov findings >&2
status=0
for src in $(cd "$here" && ls bundles/*/src/test/java/io/jvhost/*/*FuzzTest.java bundles/*/src/test/java/io/jvhost/*/*/*FuzzTest.java 2>/dev/null); do
  class=$(basename "$src" .java)
  if [ ${#targets[@]} -gt 0 ] && ! printf '%s\n' "${targets[@]}" | grep -qx "$class"; then continue; fi
  module=${src%%/src/*}
  pkg=$(sed -n 's/^package \(.*\);/\1/p' "$here/$src")
  method=$(grep -A1 '@FuzzTest' "$here/$src" | sed -n 's/.*void \([a-zA-Z0-9_]*\)(.*/\1/p' | head -1)
  cp=$(mktemp)
  (cd "$here" && ./mvnw -q -pl "$module" dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >&2)
  corpus="$here/$module/.cifuzz-corpus/$pkg.$class/$method"
  inputs="$here/$module/src/test/resources/${pkg//.//}/${class}Inputs/$method"
  mkdir -p "$corpus" "$inputs"
  log=$(mktemp)
  set +e
  (cd "$here/$module" && "$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
      -XX:+EnableDynamicAgentLoading -Xmx1g -cp "target/test-classes:target/classes:$(cat "$cp")" \
      com.code_intelligence.jazzer.Jazzer --target_class="$pkg.$class" --target_method="$method" \
      --instrumentation_includes='io.jvhost.**' --custom_hook_includes='io.jvhost.**' \
      ${merge:+-merge=1} -max_total_time="$secs" -timeout=10 -artifact_prefix="$inputs/" \
      $([ -n "$merge" ] && echo "$inputs $corpus" || echo "$corpus $inputs")) > "$log" 2>&1
  rc=$?
  set -e
  if [ -n "$merge" ]; then
    echo "fuzz: $class: $(grep -E 'MERGE-OUTER: [0-9]+ new files' "$log" | tail -1 || echo 'merge failed, see '"$log")" >&2
    rm -f "$cp"; continue
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<< "$done_line")
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$done_line")
  rate=$(sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' <<< "$done_line")
  findings=$([ $rc -eq 0 ] && echo 0 || echo 1)
  [ $rc -eq 0 ] || { status=1; echo "fuzz: $class found something; its log: $log" >&2; grep -m3 -E 'Exception|Error|==' "$log" >&2 || true; }
  printf '{"target":"%s","bundle":"%s","seconds":%s,"execs":%s,"exec_per_s":%s,"coverage":%s,"findings":%s}\n' \
      "$class" "${module#bundles/}" "$secs" "${execs:-0}" "${rate:-0}" "${cov:-0}" "$findings" | tee -a "$results"
  printf '%-28s %-22s %8s %10s %8s %6s %s\n' "$class" "${module#bundles/}" "$secs" "${execs:-0}" "${rate:-0}" "${cov:-0}" \
      "$findings" >&2
  rm -f "$cp"
  [ $rc -ne 0 ] || rm -f "$log"
done
exit $status
