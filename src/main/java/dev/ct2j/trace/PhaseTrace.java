package dev.ct2j.trace;

import dev.ct2j.natives.NativeMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Where the time of a run goes, phase by phase: {@code -Dct2j.trace=FILE} appends one JSON line
 * per phase (native library loading, model and tokenizer loads, audio decode, features, language
 * detection, each encode, generate and align) to FILE, with its start and duration and the
 * process's RSS at its end. {@code benchmarks/compare --phases} puts these next to faster-whisper's
 * same phases. Off (the default), a phase costs one branch on a constant.
 *
 * <p>Times are milliseconds since the process started (its start time from /proc), so that the
 * JVM's own start shows as the first phase's start.
 */
public final class PhaseTrace {
    /** The system property naming the trace file. */
    public static final String PROPERTY = "ct2j.trace";

    private static final Path FILE = file();
    private static final boolean ON = FILE != null;
    private static final long NANO_ORIGIN = System.nanoTime();
    private static final long PROCESS_AGE_AT_ORIGIN_NANOS = ON ? processAgeNanos() : 0;
    private static Writer out;

    private PhaseTrace() {}

    /** Whether phases are recorded. */
    public static boolean enabled() {
        return ON;
    }

    /** A phase's start, to pass to {@link #end}; 0 when tracing is off. */
    public static long start() {
        return ON ? System.nanoTime() : 0;
    }

    /** Records the phase that began at {@code start} (from {@link #start()}) and ends now. */
    public static void end(String phase, long start) {
        if (ON) {
            record(phase, start, System.nanoTime());
        }
    }

    /** Records a point in time (a phase of length 0), e.g. reaching {@code main}. */
    public static void mark(String phase) {
        if (ON) {
            long now = System.nanoTime();
            record(phase, now, now);
        }
    }

    private static synchronized void record(String phase, long start, long end) {
        try {
            if (out == null) {
                out = Files.newBufferedWriter(FILE, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                Runtime.getRuntime().addShutdownHook(new Thread(PhaseTrace::flush, "ct2j-trace-flush"));
            }
            out.write(String.format(Locale.ROOT,
                    "{\"phase\":\"%s\",\"start_ms\":%.3f,\"ms\":%.3f,\"rss_mb\":%.1f,\"thread\":\"%s\"}%n", phase,
                    sinceProcessStartMillis(start), (end - start) / 1e6, rssMb(),
                    Thread.currentThread().getName().replace("\"", "'")));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the phase trace " + FILE, e);
        }
    }

    private static synchronized void flush() {
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException ignored) {
            // the process is exiting; the lines already flushed are what there is
        }
    }

    private static double sinceProcessStartMillis(long nanoTime) {
        return (PROCESS_AGE_AT_ORIGIN_NANOS + (nanoTime - NANO_ORIGIN)) / 1e6;
    }

    private static double rssMb() {
        return NativeMemory.processStatusBytes("VmRSS").stream().mapToDouble(bytes -> bytes / (1024.0 * 1024.0))
                .findFirst().orElse(Double.NaN);
    }

    private static Path file() {
        String name = System.getProperty(PROPERTY);
        return name == null || name.isBlank() ? null : Path.of(name);
    }

    // ProcessHandle's start instant is built on /proc's boot time in whole seconds, so it was up to
    // a second off. The start in clock ticks since boot (/proc/self/stat) against CLOCK_BOOTTIME is
    // exact to a tick, and what benchmarks/fw_phases.py measures Python's side with.
    private static long processAgeNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[19]); // field 22, starttime
            Linker linker = Linker.nativeLinker();
            MethodHandle sysconf = linker.downcallHandle(linker.defaultLookup().find("sysconf").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            MethodHandle clockGettime = linker.downcallHandle(
                    linker.defaultLookup().find("clock_gettime").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            long ticksPerSecond = (long) sysconf.invokeExact(SC_CLK_TCK);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment timespec = arena.allocate(16, 8);
                if ((int) clockGettime.invokeExact(CLOCK_BOOTTIME, timespec) != 0 || ticksPerSecond <= 0) {
                    return 0;
                }
                long now = timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
                return now - startTicks * 1_000_000_000L / ticksPerSecond;
            }
        } catch (Throwable e) {
            return 0; // not Linux: phases count from the trace's start
        }
    }

    private static final int SC_CLK_TCK = 2;
    private static final int CLOCK_BOOTTIME = 7;
}
