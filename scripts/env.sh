# Sourced by the project's scripts: locates a JDK 25+ and the repository root.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CT2J_CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
# The JDK's release file says its version; starting a JVM to ask took 70 ms of every ./ct2j run.
java_major() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  [ -n "$v" ] && echo "$v" && return
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME" 2>/dev/null || echo 0)" -lt 25 ] 2>/dev/null; then
  JAVA_HOME=
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/java" ] && [ "$(java_major "$candidate")" -ge 25 ] 2>/dev/null; then
      JAVA_HOME=$candidate; break
    fi
  done
  [ -n "$JAVA_HOME" ] || { echo "ct2j needs a JDK 25 or newer (FFM); none found under /usr/lib/jvm" >&2; exit 1; }
fi
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# A hash of this JDK and of the given files (path, size, mtime; links followed): the name of an AOT
# cache made from them. A JVM given a cache made from other jars was seen running their stale
# classes, so a rebuilt jar simply finds no cache until the next training run.
ct2j_aot_key() {
  stat -L -c '%n %s %Y' "$JAVA_HOME/lib/server/libjvm.so" "$JAVA_HOME/lib/modules" "$@" | sha256sum | cut -c1-16
}
# The command line's AOT cache for the CLI's current jars and this JDK (see the ./ct2j launcher).
ct2j_aot_cache() {
  echo "$ROOT/cli/target/aot/ct2j-$(ct2j_aot_key "$ROOT"/cli/target/ct2j-cli-*.jar "$ROOT"/cli/target/lib/*.jar).aot"
}
# The JVM options of the launchers' AOT policy for the cache at $1: write it when CT2J_AOT_TRAIN is
# set (older caches of its kind removed), use it when it exists unless CT2J_AOT=off, with any
# further arguments added then. Sets the array aot_opts.
ct2j_aot_opts() {
  local cache=$1; shift
  aot_opts=()
  if [ -n "${CT2J_AOT_TRAIN:-}" ]; then
    mkdir -p "${cache%/*}"; rm -f "${cache%-*}"-*.aot; aot_opts=(-XX:AOTCacheOutput="$cache")
  elif [ -f "$cache" ] && [ "${CT2J_AOT:-on}" != off ]; then
    aot_opts=(-XX:AOTCache="$cache" "$@")
  fi
}
# The ct2j-spark jar that spark/run runs (not the tests' jar).
ct2j_spark_jar() {
  ls "$ROOT"/spark/target/ct2j-spark-*.jar | grep -v -- '-tests\.jar$' | head -n 1
}
# spark/run's driver AOT cache (spark/train-aot.sh): the same naming, over the driver's class path.
ct2j_spark_driver_aot() {
  # shellcheck disable=SC2046
  echo "$ROOT/spark/target/aot/driver-$(ct2j_aot_key "$(ct2j_spark_jar)" "$ROOT"/spark/target/lib/*.jar $(tr ':' ' ' < "$ROOT/spark/target/spark-classpath.txt")).aot"
}
