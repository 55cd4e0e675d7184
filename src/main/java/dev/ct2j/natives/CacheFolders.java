package dev.ct2j.natives;

import java.nio.file.Path;
import java.util.Map;

/**
 * The folders ct2j keeps things in, found the way the Python tools find theirs: {@code ~} is
 * {@code $HOME} when it is set (Python's {@code expanduser}; the JVM's {@code user.home} comes from
 * the password database and ignores {@code $HOME}), so ct2j and faster-whisper share one cache.
 */
public final class CacheFolders {
    public static final String CACHE_ENV = "CT2J_CACHE";

    private CacheFolders() {}

    /** {@code $HOME} if set, else the JVM's {@code user.home}. */
    public static Path home() {
        return home(System.getenv());
    }

    /** {@code HOME} in {@code environment} if set, else the JVM's {@code user.home}. */
    public static Path home(Map<String, String> environment) {
        String home = environment.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }

    /** {@code $CT2J_CACHE}, default {@code ~/.cache/ct2j} (what scripts/env.sh sets). */
    public static Path ct2jCache() {
        String cache = System.getenv(CACHE_ENV);
        return cache != null && !cache.isBlank() ? Path.of(cache) : home().resolve(".cache").resolve("ct2j");
    }
}
