#!/usr/bin/env bash
# spark/spark-home.sh DIR: makes DIR a SPARK_HOME whose jars/ links the Spark jars Maven resolved
# (spark/target/spark-classpath.txt): enough for local-cluster masters and for spark/train-aot.sh
# --executor, with no Spark distribution. DIR/jars is made anew; DIR/work (executors' logs) is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
home=${1:?usage: spark/spark-home.sh DIR}
[ -f "$ROOT/spark/target/spark-classpath.txt" ] || "$ROOT/spark/run" --help >/dev/null
rm -rf "$home/jars"
mkdir -p "$home/jars"
tr ':' '\n' < "$ROOT/spark/target/spark-classpath.txt" | while read -r jar; do ln -s "$jar" "$home/jars/"; done
