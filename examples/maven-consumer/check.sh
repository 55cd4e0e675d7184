#!/usr/bin/env bash
# CI's check that ct2j works as a dependency: builds this project against the dev.ct2j:ct2j that
# `./mvnw install` put into the local Maven repository, then runs it in a JVM whose home is an
# empty folder, with CT2J_CACHE and every ct2j setting unset, and only this project's class path.
#   examples/maven-consumer/check.sh MODEL_DIR AUDIO
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../../scripts/env.sh"
model=$1 audio=$2
"$ROOT/mvnw" -q -B -f "$HERE/pom.xml" package >&2
home=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-empty-home.XXXXXX"); trap 'rm -rf "$home"' EXIT
run() {
  env -i HOME="$home" PATH=/usr/bin:/bin "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -Duser.home="$home" -cp "$HERE/target/classes:$HERE/target/lib/*" example.Transcribe "$model" "$audio"
}
out=$(run)
printf '%s\n' "$out"
lib=$(ls "$home"/.cache/ct2j/native/*/libct2j.so 2>/dev/null || true)
jar=$(ls "$HERE"/target/lib/ct2j-*.jar)
echo "[consumer] jar $(basename "$jar"): $(( $(stat -c %s "$jar") / 1024 / 1024 )) MiB; natives extracted to ${lib%/*}" >&2
if [ -n "$lib" ] && grep -q "^language en" <<< "$out" \
   && grep -q "ask not what your country can do for you" <<< "$out" && grep -q "ask what you can do for your country" <<< "$out"; then
  echo "consumer example: passed"
else
  echo "consumer example: FAILED (natives: ${lib:-not extracted under the empty home})"; exit 1
fi
