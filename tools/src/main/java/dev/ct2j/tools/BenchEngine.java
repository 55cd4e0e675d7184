package dev.ct2j.tools;

import dev.ct2j.engine.Device;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.Features;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.models.ModelResolver;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.WhisperEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times encode + generate on one 30 s window through ct2j, the same calls that
 * benchmarks/engine_wheel.py times through CTranslate2's Python API (benchmarks/engine-vs-wheel.sh).
 */
@Command(name = "bench-engine", description = "Time encode+generate on given features.")
final class BenchEngine implements Callable<Integer> {
    @Option(names = "--features", required = true, description = "Raw little-endian float32 [n_mels, frames].")
    Path features;

    @Option(names = "--model", defaultValue = ModelDirectory.DEFAULT_MODEL)
    String model;

    @Option(names = "--compute-type", defaultValue = "int8")
    String computeType;

    @Option(names = "--threads", defaultValue = "2")
    int threads;

    @Option(names = "--repeat", defaultValue = "5")
    int repeat;

    @Option(names = "--prompt", split = ",", defaultValue = "50258,50259,50359", description = "Token ids.")
    List<Integer> prompt;

    @Override
    public Integer call() throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(features)).order(ByteOrder.LITTLE_ENDIAN);
        float[] raw = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(raw);
        int nMels = 80;
        int frames = raw.length / nMels;
        float[] window = new float[nMels * 3000];
        for (int m = 0; m < nMels; m++) {
            System.arraycopy(raw, m * frames, window, m * 3000, Math.min(frames, 3000));
        }
        ModelOptions options = ModelOptions.builder().device(Device.CPU).computeType(computeType)
                .intraThreads(threads).build();
        GenerationOptions generation = GenerationOptions.builder().beamSize(5).returnScores(true)
                .returnNoSpeechProb(true).build();
        double[] seconds = new double[repeat];
        List<Integer> ids = null;
        try (WhisperEngine engine = WhisperEngine.load(ModelDirectory.validate(ModelResolver.system().resolve(model)), options);
             Features input = Features.of(window, 1, nMels, 3000)) {
            for (int i = -1; i < repeat; i++) { // one warm-up round
                long start = System.nanoTime();
                try (EncoderOutput encoded = engine.encode(input, false)) {
                    ids = engine.generate(encoded, List.of(prompt), generation).getFirst().hypotheses().getFirst().ids();
                }
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
        }
        Arrays.sort(seconds);
        System.out.printf(Locale.ROOT, "{\"side\": \"ct2j\", \"compute_type\": \"%s\", \"median_s\": %.4f, \"min_s\": %.4f,"
                + " \"max_s\": %.4f, \"tokens\": %d}%n", computeType, seconds[repeat / 2], seconds[0], seconds[repeat - 1],
                ids.size());
        return 0;
    }
}
