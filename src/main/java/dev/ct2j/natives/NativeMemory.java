package dev.ct2j.natives;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Gives the memory a closed or unloaded model freed back to the operating system.
 *
 * <p>glibc keeps freed blocks in its arenas, so without this a process's RSS stays hundreds of
 * MB above what it uses after a model is closed, until something calls {@code malloc_trim}
 * (a service never does). {@link #release()} calls {@code malloc_trim(0)} through FFM after a
 * model's weights are freed. Where the C library has no {@code malloc_trim} (not glibc), or with
 * {@code -Dct2j.trimOnRelease=false}, it does nothing.
 */
public final class NativeMemory {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    private static final MethodHandle MALLOC_TRIM = lookupMallocTrim();

    private NativeMemory() {}

    /** Whether the C library has {@code malloc_trim} (glibc). */
    public static boolean canTrim() {
        return MALLOC_TRIM != null;
    }

    /** Whether {@link #release()} trims here: glibc, and not turned off. */
    public static boolean trims() {
        return canTrim() && !"false".equalsIgnoreCase(System.getProperty("ct2j.trimOnRelease"));
    }

    /**
     * Returns the free pages of every malloc arena (and the main arena's top) to the system.
     * Cheap next to a model load (a few ms; it walks the free lists), so it runs on every close
     * and full unload.
     *
     * @return whether any memory was returned
     */
    public static boolean release() {
        return trims() && trim();
    }

    /** {@code malloc_trim(0)} now, whatever {@code ct2j.trimOnRelease} says; false without glibc. */
    public static boolean trim() {
        if (!canTrim()) {
            return false;
        }
        long start = System.nanoTime();
        int released;
        try {
            released = (int) MALLOC_TRIM.invokeExact(0L);
        } catch (Throwable e) {
            throw new IllegalStateException("malloc_trim failed: " + e, e);
        }
        LOG.log(System.Logger.Level.DEBUG, "malloc_trim(0) in {0} ms, released: {1}",
                (System.nanoTime() - start) / 1_000_000.0, released != 0);
        return released != 0;
    }

    /**
     * A memory figure of this process from Linux's {@code /proc/self/status} ({@code VmRSS},
     * {@code VmHWM}, {@code RssAnon}, ...), in bytes; empty where there is no such file or field.
     */
    public static OptionalLong processStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no figure
        }
        return OptionalLong.empty();
    }

    private static MethodHandle lookupMallocTrim() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("malloc_trim")
                .map(symbol -> linker.downcallHandle(symbol,
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
                .orElse(null);
    }
}
