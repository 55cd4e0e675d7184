package dev.ct2j.bench;

import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.MelSpectrogram;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Log-mel features (80 mels, faster-whisper's defaults) of deterministic synthetic audio
 * ({@link SyntheticAudio}); features_numpy.py times faster-whisper's numpy extractor on the same samples.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m"})
public class FeatureExtractionBench {

    /** Audio length in seconds: 10 s, 30 s (one window), 10 min. */
    @Param({"10", "30", "600"})
    public int seconds;

    private FeatureExtractor extractor;
    private float[] audio;

    @Setup(Level.Trial)
    public void setup() {
        extractor = new FeatureExtractor(80);
        audio = SyntheticAudio.generate(seconds);
        System.out.println(System.lineSeparator() + "[FeatureExtractionBench] " + seconds + " s, numpy-exact: " + extractor.isNumpyExact()
                + ", common pool parallelism " + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    }

    @Benchmark
    public MelSpectrogram compute() {
        return extractor.compute(audio);
    }
}
