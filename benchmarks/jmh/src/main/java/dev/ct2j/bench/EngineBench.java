package dev.ct2j.bench;

import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.Features;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.GenerationResult;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.WhisperEngine;
import dev.ct2j.features.FeatureExtractor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * CTranslate2 through ct2j on jfk's 30 s window (base, int8, 2 intra threads): encode alone, and
 * generate (beam 5, prompt [sot, en, transcribe]) on a precomputed encoder output. engine_python.py
 * times the same two calls through CTranslate2's Python API on the same features.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m"})
public class EngineBench {
    static final List<List<Integer>> PROMPTS = List.of(List.of(50258, 50259, 50359));
    // The same options as engine_python.py passes to generate().
    static final GenerationOptions GENERATION = GenerationOptions.builder().beamSize(5).returnScores(true)
            .returnNoSpeechProb(true).build();

    private WhisperEngine engine;
    private Features features;
    private EncoderOutput encoded;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Path file = BenchConfig.featuresFile();
        float[] raw = file != null ? BenchConfig.readF32(file)
                : new FeatureExtractor(80).compute(AudioDecoder.decode(BenchConfig.jfk())).data();
        ModelOptions options = ModelOptions.builder().device(Device.CPU).computeType(BenchConfig.COMPUTE_TYPE)
                .intraThreads(BenchConfig.THREADS).build();
        engine = WhisperEngine.load(BenchConfig.modelDir(), options);
        features = Features.of(BenchConfig.window(raw), 1, BenchConfig.N_MELS, BenchConfig.WINDOW_FRAMES);
        encoded = engine.encode(features, false);
        List<Integer> ids = engine.generate(encoded, PROMPTS, GENERATION).getFirst().hypotheses().getFirst().ids();
        System.out.println(System.lineSeparator() + "[EngineBench] features " + (file != null ? file : "computed in Java from " + BenchConfig.jfk())
                + ", " + BenchConfig.COMPUTE_TYPE + ", " + BenchConfig.THREADS + " threads; generate: " + ids.size()
                + " tokens " + ids);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.close();
        features.close();
        engine.close();
    }

    @Benchmark
    public void encode(Blackhole bh) {
        try (EncoderOutput output = engine.encode(features, false)) {
            bh.consume(output);
        }
    }

    @Benchmark
    public List<GenerationResult> generate() {
        return engine.generate(encoded, PROMPTS, GENERATION);
    }
}
