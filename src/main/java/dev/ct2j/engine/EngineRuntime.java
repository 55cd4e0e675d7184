package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.natives.NativeLibrary;
import dev.ct2j.natives.NativeStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Process-wide engine facts and settings: versions, logging, random seed, CUDA devices. */
public final class EngineRuntime {
    private EngineRuntime() {}

    /** Free and total memory of a CUDA device, in bytes. */
    public record DeviceMemory(long freeBytes, long totalBytes) {
        public long usedBytes() {
            return totalBytes - freeBytes;
        }
    }

    /** The CTranslate2 version ct2j was built against, e.g. "4.8.4". */
    public static String ctranslate2Version() {
        NativeLibrary.ensureLoaded();
        return NativeStrings.read(ct2j_h.ct2j_ctranslate2_version());
    }

    /** CTranslate2's log level: -3 off, -2 critical, -1 error, 0 warning, 1 info, 2 debug, 3 trace. */
    public static void setLogLevel(int level) {
        NativeLibrary.ensureLoaded();
        if (level < -3 || level > 3) {
            throw new IllegalArgumentException("log level must be in [-3, 3], got " + level);
        }
        Status.check(ct2j_h.ct2j_set_log_level(level), "cannot set the log level");
    }

    /** Seeds CTranslate2's sampler (used at temperature > 0). */
    public static void setRandomSeed(int seed) {
        NativeLibrary.ensureLoaded();
        ct2j_h.ct2j_set_random_seed(seed);
    }

    public static int cudaDeviceCount() {
        NativeLibrary.ensureLoaded();
        return ct2j_h.ct2j_cuda_device_count();
    }

    /** Memory of a CUDA device; an {@link EngineException} of kind UNSUPPORTED without CUDA. */
    public static DeviceMemory cudaMemory(int deviceIndex) {
        NativeLibrary.ensureLoaded();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment free = call.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = call.allocate(ValueLayout.JAVA_LONG);
            Status.check(ct2j_h.ct2j_cuda_memory_info(deviceIndex, free, total),
                    "cannot read the memory of CUDA device " + deviceIndex);
            return new DeviceMemory(free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /** A native call that does nothing: for measuring the FFM call overhead. */
    public static int noop(int value) {
        return ct2j_h.ct2j_noop(value);
    }
}
