package dev.ct2j.vad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ct2j.TestSupport;

/**
 * Parity of the Java Silero VAD with faster-whisper 1.2.1, which runs through
 * {@code parity/tools/reference_vad.py}. The Java side gets the samples the Python side wrote back, so
 * audio decoding is out of the comparison. Probabilities may differ by ONNX Runtime rounding (within 1e-5);
 * everything derived from them must be exactly equal.
 *
 * <p>Missing Python, audio or model is a failure, not a skip: these tests are the parity evidence.
 */
class SileroVadParityTest {

    private static final double PROBABILITY_TOLERANCE = 1e-5;
    private static final int MAX_REPORTED_MISMATCHES = 20;
    static final List<String> SHARED_AUDIO =
            List.of("jfk.flac", "hotwords.mp3", "multilingual.mp3", "stereo_diarization.wav");

    /** VadOptions kwargs, as faster-whisper takes them; one reference run each. */
    private static final String OPTION_SETS = """
            [{},
             {"min_silence_duration_ms": 500, "speech_pad_ms": 200},
             {"threshold": 0.3, "min_speech_duration_ms": 250},
             {"max_speech_duration_s": 5},
             {"min_silence_duration_ms": 160, "max_speech_duration_s": 30},
             {"threshold": 0.6, "neg_threshold": 0.2, "min_silence_duration_ms": 0, "speech_pad_ms": 30,
              "max_speech_duration_s": 2},
             {"min_silence_duration_ms": 100, "min_speech_duration_ms": 1000, "speech_pad_ms": 0},
             {"threshold": 0.01, "neg_threshold": 0.0}]""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Reference> CACHE = new ConcurrentHashMap<>();
    private static SileroVadModel model;

    @TempDir
    Path tmp;

    /** What the reference script wrote. */
    record Reference(String name, float[] samples, JsonNode result) {
        float[] probabilities() {
            JsonNode probs = result.get("probs");
            float[] out = new float[probs.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) probs.get(i).doubleValue();
            }
            return out;
        }
    }

    @BeforeAll
    static void loadModel() {
        model = SileroVadModel.load(modelPath());
    }

    @AfterAll
    static void closeModel() {
        if (model != null) {
            model.close();
        }
    }

    static Path modelPath() {
        String property = System.getProperty(SileroVadModel.MODEL_PROPERTY);
        Path path = property != null ? Path.of(property) : TestSupport.data(SileroVadModel.MODEL_FILE);
        assertTrue(Files.isRegularFile(path), "the Silero VAD model is missing: " + path);
        return path;
    }

    @Test
    void sharedAudioMatchesFasterWhisperForEveryOptionSet() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String name : SHARED_AUDIO) {
            failures.addAll(compare(sharedReference(name, tmp)));
        }
        assertNoFailures(failures);
    }

    @Test
    void emptyAudioMatchesFasterWhisper() throws Exception {
        Reference ref = rawReference("empty", new float[0]);
        assertEquals(1, ref.probabilities().length, "empty audio is padded to one window");
        assertNoFailures(compare(ref));
    }

    @Test
    void hundredSampleAudioMatchesFasterWhisper() throws Exception {
        float[] audio = new float[100];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (float) (0.5 * Math.sin(0.3 * i));
        }
        assertNoFailures(compare(rawReference("short", audio)));
    }

    @Test
    void realSamplesZeroedByTheLastWindowQuirkMatchFasterWhisper() throws Exception {
        // 500 samples in the last window: the quirk zeroes 52 real samples, not only padding.
        int length = 512 * 300 + 500;
        Reference ref = reference("jfk-" + length, TestSupport.data("jfk.flac"), false, length);
        assertEquals(length, ref.samples().length);
        assertNoFailures(compare(ref));
    }

    static Reference sharedReference(String name, Path scratch) throws IOException, InterruptedException {
        Reference cached = CACHE.get(name);
        if (cached == null) {
            cached = reference(name, TestSupport.data(name), false, null, scratch);
            CACHE.put(name, cached);
        }
        return cached;
    }

    private Reference rawReference(String name, float[] samples) throws IOException, InterruptedException {
        Path raw = tmp.resolve(name + ".f32");
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(samples);
        Files.write(raw, bytes.array());
        Reference ref = reference(name, raw, true, null);
        assertArrayEquals(samples, ref.samples(), "the script must read back the raw samples unchanged");
        return ref;
    }

    private Reference reference(String name, Path audio, boolean raw, Integer truncate)
            throws IOException, InterruptedException {
        return reference(name, audio, raw, truncate, tmp);
    }

    private static Reference reference(String name, Path audio, boolean raw, Integer truncate, Path scratch)
            throws IOException, InterruptedException {
        Path script = TestSupport.repo().resolve("parity/tools/reference_vad.py");
        assertTrue(Files.isRegularFile(script), "reference script missing: " + script);
        Path out = Files.createTempDirectory(scratch, "vad-ref-");
        List<String> command = new ArrayList<>(List.of(TestSupport.python().toString(), script.toString(),
                audio.toString(), out.toString(), "--options", OPTION_SETS));
        if (raw) {
            command.add("--raw-input");
        }
        if (truncate != null) {
            command.addAll(List.of("--truncate", truncate.toString()));
        }
        Process process = new ProcessBuilder(command).directory(TestSupport.repo().toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("reference_vad.py timed out for " + name);
        }
        assertEquals(0, process.exitValue(), "reference_vad.py failed for " + name + ":\n" + output);
        byte[] bytes = Files.readAllBytes(out.resolve("samples.f32"));
        float[] samples = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(samples);
        return new Reference(name, samples, JSON.readTree(out.resolve("result.json").toFile()));
    }

    /** Every difference between the Java VAD and the reference, as readable lines. */
    private static List<String> compare(Reference ref) {
        List<String> failures = new ArrayList<>();
        JsonNode result = ref.result();
        assertEquals(ref.samples().length, result.get("n_samples").asInt(), ref.name() + ": sample count");

        float[] expected = ref.probabilities();
        float[] actual = model.speechProbabilities(SpeechTimestamps.pad(ref.samples()));
        if (expected.length != actual.length) {
            failures.add(ref.name() + ": " + actual.length + " probabilities, faster-whisper has " + expected.length);
            return failures;
        }
        double maxDiff = 0;
        int identical = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
            identical += Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i]) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "[vad-parity] %-24s %6d windows, max |dp| = %.3e, %d/%d bit-identical%n",
                ref.name(), expected.length, maxDiff, identical, expected.length);
        if (!(maxDiff <= PROBABILITY_TOLERANCE)) {
            failures.add(ref.name() + ": max probability difference " + maxDiff + " > " + PROBABILITY_TOLERANCE);
        }

        for (JsonNode run : result.get("runs")) {
            String where = ref.name() + " " + run.get("options");
            VadOptions options = options(run.get("options"));
            List<SpeechChunk> expectedChunks = chunks(run.get("timestamps"));

            // The state machine alone, on faster-whisper's own probabilities.
            List<SpeechChunk> fromReferenceProbs =
                    SpeechTimestamps.speechTimestampsFromProbabilities(expected, ref.samples().length, options);
            check(failures, where + " timestamps from reference probabilities", expectedChunks, fromReferenceProbs);
            // The whole Java pipeline, model included.
            List<SpeechChunk> timestamps = SpeechTimestamps.getSpeechTimestamps(ref.samples(), options, model);
            check(failures, where + " timestamps", expectedChunks, timestamps);

            for (JsonNode collect : run.get("collect")) {
                double maxDuration = collect.get("max_duration").isNull()
                        ? Double.POSITIVE_INFINITY : collect.get("max_duration").doubleValue();
                compareCollect(failures, where + " collect_chunks(max_duration=" + maxDuration + ")",
                        collect, SpeechTimestamps.collectChunks(ref.samples(), expectedChunks, maxDuration));
            }
            compareMap(failures, where, run.get("map"), new SpeechTimestampsMap(expectedChunks, 16000));
        }
        return failures;
    }

    private static void compareCollect(List<String> failures, String where, JsonNode expected, CollectedChunks actual) {
        List<Integer> lengths = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        for (float[] chunk : actual.audioChunks()) {
            lengths.add(chunk.length);
            hashes.add(sha256(chunk));
        }
        List<Integer> expectedLengths = new ArrayList<>();
        expected.get("chunk_lengths").forEach(n -> expectedLengths.add(n.asInt()));
        List<String> expectedHashes = new ArrayList<>();
        expected.get("chunk_sha256").forEach(n -> expectedHashes.add(n.asText()));
        check(failures, where + " chunk lengths", expectedLengths, lengths);
        check(failures, where + " chunk samples (sha256)", expectedHashes, hashes);

        List<ChunkMetadata> expectedMetadata = new ArrayList<>();
        for (JsonNode m : expected.get("metadata")) {
            expectedMetadata.add(new ChunkMetadata(m.get("offset").doubleValue(), m.get("duration").doubleValue(),
                    chunks(m.get("segments"))));
        }
        check(failures, where + " metadata", expectedMetadata, actual.metadata());
    }

    private static void compareMap(List<String> failures, String where, JsonNode expected, SpeechTimestampsMap map) {
        if (expected.get("queries").isEmpty()) {
            failures.add(where + ": the reference made no SpeechTimestampsMap queries");
        }
        for (JsonNode q : expected.get("queries")) {
            double time = q.get("time").doubleValue();
            boolean isEnd = q.get("is_end").booleanValue();
            String query = where + " time=" + time + " is_end=" + isEnd;
            String index = outcome(() -> (double) map.getChunkIndex(time, isEnd));
            String original = outcome(() -> map.getOriginalTime(time, null, isEnd));
            check(failures, query + " get_chunk_index", expectedOutcome(q.get("chunk_index")), index);
            check(failures, query + " get_original_time", expectedOutcome(q.get("original_time")), original);
        }
        for (JsonNode q : expected.get("explicit")) {
            double time = q.get("time").doubleValue();
            int chunkIndex = q.get("chunk_index").asInt();
            String original = outcome(() -> map.getOriginalTime(time, chunkIndex, false));
            check(failures, where + " time=" + time + " chunk_index=" + chunkIndex + " get_original_time",
                    expectedOutcome(q.get("original_time")), original);
        }
    }

    private interface DoubleCall {
        double call();
    }

    /** A result or a Python exception name, in one comparable string; doubles keep their sign and bits. */
    private static String outcome(DoubleCall call) {
        try {
            return "value " + Double.toString(call.call());
        } catch (IndexOutOfBoundsException e) {
            return "error IndexError";
        } catch (IllegalArgumentException e) {
            return "error ValueError/OverflowError";
        }
    }

    private static String expectedOutcome(JsonNode node) {
        if (node.has("error")) {
            String error = node.get("error").asText();
            return "error " + (error.equals("ValueError") || error.equals("OverflowError") ? "ValueError/OverflowError" : error);
        }
        return "value " + Double.toString(node.get("value").doubleValue());
    }

    private static void check(List<String> failures, String what, Object expected, Object actual) {
        if (expected.equals(actual)) {
            return;
        }
        if (failures.size() < MAX_REPORTED_MISMATCHES) {
            failures.add(what + ": expected " + expected + ", got " + actual);
        } else if (failures.size() == MAX_REPORTED_MISMATCHES) {
            failures.add("... (more mismatches left out)");
        }
    }

    private static void assertNoFailures(List<String> failures) {
        if (!failures.isEmpty()) {
            fail(failures.size() + " mismatch(es) with faster-whisper:\n" + String.join("\n", failures));
        }
    }

    /** faster-whisper's VadOptions(**kwargs) from the same JSON the reference used. */
    static VadOptions options(JsonNode kwargs) {
        VadOptions.Builder builder = VadOptions.builder();
        kwargs.properties().forEach(e -> {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "threshold" -> builder.threshold(v.doubleValue());
                case "neg_threshold" -> builder.negThreshold(v.isNull() ? null : v.doubleValue());
                case "min_speech_duration_ms" -> builder.minSpeechDurationMs(v.intValue());
                case "max_speech_duration_s" -> builder.maxSpeechDurationS(v.doubleValue());
                case "min_silence_duration_ms" -> builder.minSilenceDurationMs(v.intValue());
                case "speech_pad_ms" -> builder.speechPadMs(v.intValue());
                default -> fail("unknown VadOptions field in the test options: " + e.getKey());
            }
        });
        return builder.build();
    }

    static List<SpeechChunk> chunks(JsonNode list) {
        List<SpeechChunk> out = new ArrayList<>();
        for (JsonNode c : list) {
            out.add(new SpeechChunk(c.get("start").intValue(), c.get("end").intValue()));
        }
        return out;
    }

    private static String sha256(float[] samples) {
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(samples);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
