#!/usr/bin/env bash
# JMH microbenchmarks of the data path's parts (tools/jvhost-jmh), one thread on core 0:
#   SplitRingBenchmark   the ring walk: take a 3-descriptor chain, push its used entry, publish per 32
#   BdevSubmitBenchmark  the bdev layer: submit to a null bdev's channel, complete on a later pass
#   BlkPathBenchmark     the whole target path of a vhost-blk request: ring poller, virtio-blk decode,
#                        null bdev, status and used entry (no socket, no second core)
# Each prints ns per request. Arguments go to JMH (e.g. a benchmark regex, -prof gc, -f 3, -rf json).
# usage: bench/jmh.sh [JMH-OPTIONS] [BENCHMARK-REGEX]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bin/jdk25.sh"
module="$here/tools/jvhost-jmh"
if [ -z "${JVHOST_BENCH_NO_BUILD:-}" ]; then
  (cd "$here" && ./mvnw -q -DskipTests install -pl tools/jvhost-jmh -am >&2)
fi
(cd "$here" && ./mvnw -q -pl tools/jvhost-jmh dependency:build-classpath -Dmdep.outputFile="$module/target/classpath" >&2)
exec taskset -c "${JVHOST_JMH_CPU:-0}" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$module/target/classes:$(cat "$module/target/classpath")" org.openjdk.jmh.Main "$@"
