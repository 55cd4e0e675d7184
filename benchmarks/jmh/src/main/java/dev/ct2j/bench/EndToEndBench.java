package dev.ct2j.bench;

import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
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

/**
 * WhisperModel.transcribe(jfk samples, defaults) with every segment read: features, language
 * detection, the temperature-fallback decoding loop (base, int8, 2 intra threads). Decoding the
 * file is not timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m"})
public class EndToEndBench {
    private WhisperModel model;
    private float[] audio;
    private final TranscriptionOptions options = TranscriptionOptions.defaults();

    @Setup(Level.Trial)
    public void setup() {
        audio = AudioDecoder.decode(BenchConfig.jfk());
        model = WhisperModel.load(BenchConfig.modelDir().toString(), ModelOptions.builder().device(Device.CPU)
                .computeType(BenchConfig.COMPUTE_TYPE).intraThreads(BenchConfig.THREADS).build());
        List<Segment> segments = transcribe();
        System.out.println(System.lineSeparator() + "[EndToEndBench] " + segments.size() + " segment(s): "
                + segments.stream().map(Segment::text).reduce("", String::concat));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public List<Segment> transcribe() {
        try (Transcription transcription = model.transcribe(audio, options)) {
            return transcription.toList();
        }
    }
}
