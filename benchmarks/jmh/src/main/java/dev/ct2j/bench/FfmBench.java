package dev.ct2j.bench;

import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.Features;
import dev.ct2j.natives.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * FFM overhead: a no-op downcall (ct2j_noop), and handing a 30 s [1, 80, 3000] feature buffer to
 * the engine: {@link Features#wrap} over an existing native segment (no copy) vs
 * {@link Features#of} from a float[] (allocates and copies 960 KB); both include close().
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m"})
public class FfmBench {
    private static final int N = BenchConfig.N_MELS * BenchConfig.WINDOW_FRAMES;

    public int value = 42;
    private Arena arena;
    private MemorySegment segment;
    private float[] array;

    @Setup(Level.Trial)
    public void setup() {
        // noop() does not load the library itself.
        System.out.println(System.lineSeparator() + "[FfmBench] " + NativeLibrary.ensureLoaded());
        array = BenchConfig.window(SyntheticAudio.generate(30)); // any 240,000 floats
        arena = Arena.ofShared();
        segment = arena.allocate(ValueLayout.JAVA_FLOAT, N);
        MemorySegment.copy(array, 0, segment, ValueLayout.JAVA_FLOAT, 0, N);
        if (EngineRuntime.noop(value) != value) {
            System.out.println(System.lineSeparator() + "[FfmBench] ct2j_noop(" + value + ") = " + EngineRuntime.noop(value));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int noopDowncall() {
        return EngineRuntime.noop(value);
    }

    @Benchmark
    public void featuresWrap30s(Blackhole bh) {
        try (Features features = Features.wrap(segment, 1, BenchConfig.N_MELS, BenchConfig.WINDOW_FRAMES)) {
            bh.consume(features);
        }
    }

    @Benchmark
    public void featuresCopy30s(Blackhole bh) {
        try (Features features = Features.of(array, 1, BenchConfig.N_MELS, BenchConfig.WINDOW_FRAMES)) {
            bh.consume(features);
        }
    }
}
