package dev.ct2j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.audio.StereoAudio;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.NumpyPath;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.FasterWhisperKwargs;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionJson;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The ct2j side of parity/check: runs every manifest case and writes one JSON line per case
 * ({@code {"id", "info", "segments"}} or {@code {"id", "error"}}), in the same shape as
 * parity/reference.py writes for faster-whisper.
 */
@Command(name = "parity-run", description = "Run a parity manifest (used by parity/check).")
final class ParityRun implements Callable<Integer> {
    @Parameters(index = "0", description = "Manifest (JSON lines).")
    Path manifest;

    @Option(names = "--out", required = true, description = "Where to write the results (JSON lines).")
    Path out;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads per model.")
    int threads;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path base = manifest.toAbsolutePath().getParent();
        Map<String, Object> dispatch = dispatch(); // one path per process: detected once
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode testCase = json.readTree(line);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("id", testCase.path("id").asText());
                result.put("dispatch", dispatch);
                long started = System.nanoTime();
                try {
                    String mode = testCase.path("mode").asText("sequential");
                    if (!mode.equals("sequential") && !mode.equals("batched")) {
                        throw new UnsupportedOperationException("unsupported mode '" + mode + "'");
                    }
                    boolean batched = mode.equals("batched");
                    String modelName = testCase.path("model").asText("base");
                    String device = testCase.path("device").asText("cpu");
                    String computeType = testCase.path("compute_type").asText("default");
                    // A fresh model per case, seeded, as on the reference side: CTranslate2's sampler
                    // is a per-worker-thread generator seeded on first use.
                    EngineRuntime.setRandomSeed(testCase.path("seed").asInt(0));
                    float[] audio = audio(base, testCase);
                    TranscriptionOptions options = FasterWhisperKwargs.apply(batched
                            ? BatchedInferencePipeline.defaultOptions() : TranscriptionOptions.builder(),
                            testCase.get("options")).build();
                    int batchSize = testCase.path("options").path("batch_size").asInt(8);
                    try (WhisperModel model = WhisperModel.load(modelName, ModelOptions.builder()
                            .device(Device.of(device)).computeType(computeType).intraThreads(threads).build());
                         Transcription transcription = batched
                                 ? new BatchedInferencePipeline(model).transcribe(audio, options, batchSize)
                                 : model.transcribe(audio, options)) {
                        List<Segment> segments = transcription.toList();
                        result.put("info", transcription.info());
                        result.put("segments", segments);
                    }
                } catch (RuntimeException e) {
                    result.put("error", e.getClass().getSimpleName() + ": " + Tools.oneLine(e));
                }
                result.put("seconds", (System.nanoTime() - started) / 1e9);
                writer.write(TranscriptionJson.toJson(result));
                writer.newLine();
                writer.flush();
            }
        }
        return 0;
    }

    /**
     * The numpy path ct2j's features reproduce, in the terms parity/reference.py records numpy's:
     * compare.py fails a case whose two sides took different paths.
     */
    static Map<String, Object> dispatch() {
        FeatureExtractor extractor = new FeatureExtractor();
        NumpyPath path = extractor.numpyPath();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("blas_core", switch (path.blas()) {
            case SKYLAKEX -> "SkylakeX";
            case HASWELL -> "Haswell";
            case FALLBACK -> "fallback";
        });
        d.put("blas_threads", path.blasThreads());
        // A log10 whose table is missing is not numpy's, whatever path it stands for.
        d.put("log10", extractor.isNumpyExact() ? path.log10().name().toLowerCase(java.util.Locale.ROOT) : "fallback");
        return d;
    }

    /** The case's audio: a file (relative to the manifest), optionally one channel of a stereo file. */
    static float[] audio(Path base, JsonNode testCase) {
        String audio = testCase.path("audio").asText("");
        if (audio.equals(":empty:")) {
            return new float[0];
        }
        Path file = base.resolve(audio).normalize();
        JsonNode channel = testCase.get("split_stereo_channel");
        if (channel != null && !channel.isNull()) {
            StereoAudio stereo = AudioDecoder.decodeStereo(file);
            return channel.asInt() == 0 ? stereo.left() : stereo.right();
        }
        return AudioDecoder.decode(file);
    }
}
