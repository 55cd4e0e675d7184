package dev.ct2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.TestSupport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input through the real {@code ./ct2j} launcher, one child JVM per case: every case must exit
 * with code 2 and exactly one line on stderr, {@code ct2j: error: ...}, naming the file, option or
 * value; print nothing on stdout; write nothing in the working directory; and leave no hs_err
 * report in {@code $CT2J_CACHE/crash} (a temporary cache). The inputs are made here, from the real
 * model and audio (docs/robustness.md, "Bad input: before and after", lists them with what
 * faster-whisper does). Most cases fail before the model loads; the model cases load a directory
 * of hard links to the real model's files with one file replaced.
 */
class BadInputTest {
    private static final String PREFIX = "ct2j: error: ";
    private static Fixture fixture;
    private static final Map<String, Long> MILLIS = new ConcurrentHashMap<>();

    /** A case: the launcher's arguments, the exit code and the parts the one line must contain. */
    record Case(String name, List<String> args, int exit, List<String> mustName, boolean withoutFileOverride) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Everything the cases need, made once under one temporary folder that other users can read. */
    static final class Fixture {
        final Path root;
        final Path cache;
        final Path work;
        final Path models;
        final Path model;
        final Path jfk;

        Fixture() throws Exception {
            model = TestSupport.modelDir();
            jfk = TestSupport.data("jfk.flac");
            root = Files.createTempDirectory("ct2j-bad-input");
            open(root);
            cache = open(Files.createDirectory(root.resolve("cache")));
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
            work = Files.createDirectory(root.resolve("work"));
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
            // The launcher runs the whole setup unless the store says base is installed.
            models = root.resolve("models");
            Files.createDirectories(models.resolve("base"));
            Files.createFile(models.resolve("base/.installed"));
            open(models);
            open(models.resolve("base"));
        }

        Path file(String name, byte[] content) throws IOException {
            return Files.write(root.resolve(name), content);
        }

        /** A model directory of links to the real model's files, with {@code replaced} written instead. */
        Path modelWith(String name, Map<String, byte[]> replaced, List<String> removed) throws IOException {
            Path dir = Files.createDirectory(root.resolve(name));
            for (String file : List.of("model.bin", "config.json", "tokenizer.json", "vocabulary.json",
                    "preprocessor_config.json")) {
                if (removed.contains(file)) {
                    continue;
                }
                if (replaced.containsKey(file)) {
                    Files.write(dir.resolve(file), replaced.get(file));
                } else {
                    try {
                        Files.createLink(dir.resolve(file), model.resolve(file));
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(model.resolve(file), dir.resolve(file));
                    }
                }
            }
            return dir;
        }

        private static Path open(Path dir) throws IOException {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        }
    }

    private static synchronized Fixture fixture() throws Exception {
        if (fixture == null) {
            fixture = new Fixture();
        }
        return fixture;
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (!MILLIS.isEmpty()) {
            System.out.println("[bad-input] milliseconds per case: " + MILLIS);
        }
        if (fixture == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(fixture.root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ---- the inputs -----------------------------------------------------------------------------

    /** A 16 kHz PCM WAV header (canonical 44 bytes) with the given fields, then {@code data}. */
    static byte[] wav(int channels, int bitsPerSample, int blockAlign, long claimedDataBytes, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt((int) Math.min(0xFFFFFFFFL, 36 + claimedDataBytes));
        b.put("WAVE".getBytes(StandardCharsets.US_ASCII)).put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        b.putShort((short) 1).putShort((short) channels).putInt(16000)
                .putInt(16000 * Math.max(blockAlign, 1)).putShort((short) blockAlign).putShort((short) bitsPerSample);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt((int) claimedDataBytes).put(data);
        return b.array();
    }

    static String repeat(String words, int length) {
        return words.repeat(length / words.length() + 1).substring(0, length);
    }

    static Stream<Case> cases() throws Exception {
        Fixture f = fixture();
        ObjectMapper json = new ObjectMapper();
        String model = f.model.toString();
        String jfk = f.jfk.toString();
        List<Case> cases = new ArrayList<>();

        // Audio files: all fail before the model loads.
        String missing = f.root.resolve("missing.wav").toString();
        cases.add(new Case("missing file", List.of("transcribe", missing, "--model", model), 2, List.of(missing), false));
        Path dir = Files.createDirectory(f.root.resolve("a-directory.wav"));
        cases.add(new Case("directory without audio files", List.of("transcribe", dir.toString(), "--model", model), 2,
                List.of(dir.toString(), "no audio files"), false));
        Path fifo = f.root.resolve("fifo.wav");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        cases.add(new Case("FIFO (nobody writes to it)", List.of("transcribe", fifo.toString(), "--model", model), 2,
                List.of(fifo.toString(), "not a regular file"), false));
        Path empty = f.file("empty.wav", new byte[0]);
        cases.add(new Case("empty file", List.of("transcribe", empty.toString(), "--model", model), 2,
                List.of(empty.toString()), false));
        byte[] noise = new byte[4096];
        new Random(12).nextBytes(noise);
        Path garbage = f.file("garbage.mp3", noise);
        cases.add(new Case("random bytes", List.of("transcribe", garbage.toString(), "--model", model), 2,
                List.of(garbage.toString()), false));
        Path text = f.file("text.wav", "not audio at all\n".getBytes(StandardCharsets.UTF_8));
        cases.add(new Case("text file", List.of("transcribe", text.toString(), "--model", model), 2,
                List.of(text.toString()), false));
        // Stereo PCM of 0 bits a sample: no codec (FFmpeg decodes a wrong block size regardless).
        Path stereo = f.file("stereo-bad-header.wav", wav(2, 0, 4, 1024, new byte[1024]));
        cases.add(new Case("stereo WAV with a bad header", List.of("transcribe", stereo.toString(), "--model", model), 2,
                List.of(stereo.toString()), false));
        Path channels = f.file("zero-channels.wav", wav(0, 16, 4, 1024, new byte[1024]));
        cases.add(new Case("WAV of 0 channels", List.of("transcribe", channels.toString(), "--model", model), 2,
                List.of(channels.toString()), false));
        Path rate = f.file("rate-1hz.wav", rateWav(1));
        cases.add(new Case("WAV claiming 1 Hz", List.of("transcribe", rate.toString(), "--model", model), 2,
                List.of(rate.toString(), "1 Hz"), false));
        Path video = f.root.resolve("video-only.mkv");
        python(f, "import av, numpy as np\n"
                + "c = av.open(r'" + video + "', 'w'); s = c.add_stream('ffv1', rate=10)\n"
                + "s.width = 16; s.height = 16; s.pix_fmt = 'yuv420p'\n"
                + "for i in range(3):\n"
                + "    [c.mux(p) for p in s.encode(av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format='rgb24'))]\n"
                + "[c.mux(p) for p in s.encode()]\nc.close()\n");
        cases.add(new Case("video-only file", List.of("transcribe", video.toString(), "--model", model), 2,
                List.of(video.toString(), "no audio stream"), false));
        // Unreadable: root reads a mode-000 file anyway, so the launcher then runs without the
        // capabilities that let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as root still.
        Path unreadable = Files.copy(f.jfk, f.root.resolve("unreadable.flac"));
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        cases.add(new Case("unreadable file", List.of("transcribe", unreadable.toString(), "--model", model), 2,
                List.of(unreadable.toString(), "Permission denied"), isRoot()));

        // Options: malformed ones fail before the audio is read.
        cases.add(new Case("unknown command-line option", List.of("transcribe", jfk, "--model", model, "--beam"), 2,
                List.of("--beam"), false));
        cases.add(new Case("--options not JSON", List.of("transcribe", jfk, "--model", model, "--options",
                "{\"beam_size\": 2,}"), 2, List.of("--options is not valid JSON", "column 17"), false));
        cases.add(new Case("--options with content after the JSON", List.of("transcribe", jfk, "--model", model,
                "--options", "{\"beam_size\": 1} x"), 2, List.of("--options is not valid JSON", "column 18"), false));
        cases.add(new Case("unknown option name", List.of("transcribe", jfk, "--model", model, "--options",
                "{\"beam_sise\": 3}"), 2, List.of("beam_sise"), false));
        cases.add(new Case("temperature [NaN]", List.of("transcribe", jfk, "--model", model, "--options",
                "{\"temperature\": [NaN]}"), 2, List.of("temperature", "NaN"), false));
        cases.add(new Case("max_new_tokens 1000", List.of("transcribe", jfk, "--model", model, "--options",
                "{\"max_new_tokens\": 1000}"), 2, List.of("max_new_tokens", "1000"), false));
        cases.add(new Case("--beam-size 0", List.of("transcribe", jfk, "--model", model, "--beam-size", "0"), 2,
                List.of("beam_size", "0"), false));
        cases.add(new Case("--output-format xml", List.of("transcribe", jfk, "--model", model, "--output-format", "xml"),
                2, List.of("xml"), false));
        cases.add(new Case("--device tpu", List.of("transcribe", jfk, "--model", model, "--device", "tpu"), 2,
                List.of("tpu"), false));
        // The command line's limits (InputLimits), before the audio is read.
        cases.add(new Case("--beam-size 10000", List.of("transcribe", jfk, "--model", model, "--beam-size", "10000"), 2,
                List.of("beam_size 10000", "limit of 16", "--no-limits"), false));
        cases.add(new Case("best_of 1000", List.of("transcribe", jfk, "--model", model, "--options",
                "{\"best_of\": 1000}"), 2, List.of("best_of 1000", "limit of 16", "--no-limits"), false));
        cases.add(new Case("--batch-size 100000", List.of("transcribe", jfk, "--model", model, "--batch-size", "100000"),
                2, List.of("batch_size 100000", "limit of 64", "--no-limits"), false));
        List<Double> temperatures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            temperatures.add(i / 1000.0);
        }
        cases.add(new Case("1000 temperatures", List.of("transcribe", jfk, "--model", model, "--options",
                json.writeValueAsString(Map.of("temperature", temperatures))), 2,
                List.of("temperature has 1000 values", "limit of 16", "--no-limits"), false));
        // After the model loads: options checked against it, prompts counted in its tokens.
        cases.add(new Case("--language xx", List.of("transcribe", jfk, "--model", model, "--device", "cpu",
                "--compute-type", "int8", "--language", "xx"), 2, List.of("xx"), false));
        cases.add(new Case("clip_timestamps \"1e308\"", List.of("transcribe", jfk, "--model", model, "--device", "cpu",
                "--compute-type", "int8", "--language", "en", "--options", "{\"clip_timestamps\": \"1e308\"}"), 2,
                List.of("clip_timestamps", "1.0E308"), false));
        cases.add(new Case("--compute-type int3", List.of("transcribe", jfk, "--model", model, "--device", "cpu",
                "--compute-type", "int3"), 2, List.of("int3"), false));
        String longPrompt = repeat("hello world ", 100_000);
        cases.add(new Case("initial_prompt of 100,000 characters", List.of("transcribe", jfk, "--model", model,
                "--device", "cpu", "--compute-type", "int8", "--language", "en", "--initial-prompt", longPrompt), 2,
                List.of("initial_prompt is ", "limit of 223", "last 223", "--no-limits"), false));
        cases.add(new Case("prefix of 5,000 characters", List.of("transcribe", jfk, "--model", model, "--device", "cpu",
                "--compute-type", "int8", "--language", "en", "--options",
                json.writeValueAsString(Map.of("prefix", repeat("and so my fellow Americans ", 5000)))), 2,
                List.of("prefix is ", "limit of 223", "first 223", "--no-limits"), false));
        cases.add(new Case("hotwords of 5,000 characters", List.of("transcribe", jfk, "--model", model, "--device",
                "cpu", "--compute-type", "int8", "--language", "en", "--options",
                json.writeValueAsString(Map.of("hotwords", repeat("Kennedy ", 5000)))), 2,
                List.of("hotwords is ", "limit of 223", "--no-limits"), false));
        // --no-limits: the library's own checks and the native layer's maxima.
        cases.add(new Case("hotwords and initial_prompt past the decoder (--no-limits)", List.of("transcribe", jfk,
                "--model", model, "--device", "cpu", "--compute-type", "int8", "--language", "en", "--no-limits",
                "--options", json.writeValueAsString(Map.of("initial_prompt", repeat("hello world ", 3000),
                        "hotwords", repeat("Kennedy ", 3000)))), 2,
                List.of("The prompt has ", "448 positions", "hotwords", "initial_prompt"), false));
        cases.add(new Case("beam_size 10000 (--no-limits)", List.of("transcribe", jfk, "--model", model, "--device",
                "cpu", "--compute-type", "int8", "--language", "en", "--no-limits", "--beam-size", "10000"), 2,
                List.of("beam_size must be in [1, 256], got 10000"), false));

        // Model directories.
        String noModel = f.root.resolve("no-such-model").toString();
        cases.add(new Case("missing model directory", List.of("transcribe", jfk, "--model", noModel), 2,
                List.of(noModel), false));
        byte[] head = new byte[65536];
        try (var in = Files.newInputStream(f.model.resolve("model.bin"))) {
            assertEquals(head.length, in.readNBytes(head, 0, head.length));
        }
        modelCase(cases, f, jfk, "truncated model.bin", "truncated", Map.of("model.bin", head), List.of(), "model.bin");
        modelCase(cases, f, jfk, "no model.bin", "no-model-bin", Map.of(), List.of("model.bin"), "model.bin");
        // The whole file, one bit flipped: the rank of the first variable (after the version, the
        // spec name and revision, the variable count and the variable's name).
        byte[] flipped = Files.readAllBytes(f.model.resolve("model.bin"));
        ByteBuffer header = ByteBuffer.wrap(flipped).order(ByteOrder.LITTLE_ENDIAN);
        int specName = Short.toUnsignedInt(header.getShort(4));
        int variableName = 6 + specName + 8;
        int rankAt = variableName + 2 + Short.toUnsignedInt(header.getShort(variableName));
        flipped[rankAt] ^= 0x40;
        modelCase(cases, f, jfk, "bit-flipped model.bin", "flipped", Map.of("model.bin", flipped), List.of(),
                "model.bin");
        for (String file : List.of("config.json", "vocabulary.json", "preprocessor_config.json", "tokenizer.json")) {
            modelCase(cases, f, jfk, "broken " + file, "broken-" + file.replace('.', '-'),
                    Map.of(file, "{\"truncated\": [1, 2".getBytes(StandardCharsets.UTF_8)), List.of(), file);
        }
        ObjectNode config = (ObjectNode) json.readTree(f.model.resolve("config.json").toFile());
        config.set("alignment_heads", json.readTree("[[99, 99]]"));
        Path heads = f.modelWith("alignment-heads", Map.of("config.json", json.writeValueAsBytes(config)), List.of());
        cases.add(new Case("alignment_heads [[99, 99]] with --word-timestamps", List.of("transcribe", jfk, "--model",
                heads.toString(), "--device", "cpu", "--compute-type", "int8", "--language", "en", "--word-timestamps"),
                2, List.of(heads.resolve("config.json").toString(), "alignment_heads [99, 99] out of range"), false));
        ObjectNode preprocessor = (ObjectNode) json.readTree(f.model.resolve("preprocessor_config.json").toFile());
        preprocessor.put("feature_size", 128);
        modelCase(cases, f, jfk, "feature_size 128 for an 80-mel model", "feature-size",
                Map.of("preprocessor_config.json", json.writeValueAsBytes(preprocessor)), List.of(),
                "preprocessor_config.json", "feature_size 128", "80 mel bins");
        return cases.stream();
    }

    private static void modelCase(List<Case> cases, Fixture f, String audio, String name, String dirName,
                                  Map<String, byte[]> replaced, List<String> removed, String file, String... more)
            throws IOException {
        Path dir = f.modelWith(dirName, replaced, removed);
        List<String> mustName = new ArrayList<>(List.of(dir.resolve(file).toString()));
        mustName.addAll(List.of(more));
        cases.add(new Case(name, List.of("transcribe", audio, "--model", dir.toString(), "--device", "cpu",
                "--compute-type", "int8", "--language", "en"), 2, mustName, false));
    }

    /** A 16-bit mono WAV whose header claims {@code hz}, with 1 KB of silence. */
    static byte[] rateWav(int hz) {
        byte[] bytes = wav(1, 16, 2, 1024, new byte[1024]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(24, hz).putInt(28, hz * 2);
        return bytes;
    }

    private static boolean isRoot() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, id.waitFor());
        return uid.equals("0");
    }

    private static void python(Fixture f, String script) throws Exception {
        Process p = new ProcessBuilder(TestSupport.python().toString(), "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    // ---- running the launcher -------------------------------------------------------------------

    record Run(int exit, String out, String err, long millis) {}

    static Run launch(Fixture f, boolean withoutFileOverride, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        if (withoutFileOverride) {
            command.addAll(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search"));
        }
        command.add(TestSupport.repo().resolve("ct2j").toString());
        command.addAll(args);
        Path stderr = Files.createTempFile(f.root, "stderr", ".log");
        Path stdout = Files.createTempFile(f.root, "stdout", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(f.work.toFile())
                .redirectError(stderr.toFile()).redirectOutput(stdout.toFile());
        pb.environment().put("CT2J_CACHE", f.cache.toString());
        pb.environment().put("CT2J_MODELS", f.models.toString());
        pb.environment().put("HOME", f.root.toString());
        pb.environment().remove("CT2J_JAVA_OPTS");
        pb.environment().remove("CT2J_NATIVE_LIB");
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not finish in 120 s: " + args);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Run run = new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr), millis);
        Files.delete(stderr);
        Files.delete(stdout);
        return run;
    }

    private static void assertNoLeftovers(Fixture f) throws IOException {
        try (Stream<Path> crashes = Files.list(Files.createDirectories(f.cache.resolve("crash")))) {
            assertEquals(List.of(), crashes.toList(), "no hs_err report");
        }
        try (Stream<Path> left = Files.list(f.work)) {
            assertEquals(List.of(), left.toList(), "nothing written in the working directory");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedInOneLine(Case c) throws Exception {
        Fixture f = fixture();
        Run r = launch(f, c.withoutFileOverride(), c.args());
        MILLIS.put(c.name(), r.millis());
        String where = c.name() + ": exit " + r.exit() + ", stderr: " + r.err();
        assertEquals(c.exit(), r.exit(), where);
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + where);
        assertTrue(lines.getFirst().startsWith(PREFIX), where);
        for (String part : c.mustName()) {
            assertTrue(lines.getFirst().contains(part), "'" + part + "' not named: " + where);
        }
        assertEquals("", r.out(), "nothing on stdout: " + where);
        assertNoLeftovers(f);
    }

    /**
     * A WAV header claiming 2^31 samples over 1 KB of data: decoding is bounded by the data (the
     * transcript's duration is that of the 1024 bytes present), in well under a second of decoding.
     * The decoding options keep the model's part short; faster-whisper's defaults make this input
     * fall back through all six temperatures, in ct2j as in faster-whisper (docs/robustness.md).
     */
    @Test
    void headerClaimingHugeLengthDecodesWhatIsThere() throws Exception {
        Fixture f = fixture();
        int dataBytes = 1024;
        byte[] silence = new byte[dataBytes];
        Arrays.fill(silence, (byte) 0x80); // unsigned 8-bit silence
        Path huge = f.file("claims-2^31-samples.wav", wav(1, 8, 1, 1L << 31, silence));
        Run r = launch(f, false, List.of("transcribe", huge.toString(), "--model", f.model.toString(), "--device", "cpu",
                "--compute-type", "int8", "--language", "en", "--output-format", "jsonl", "--options",
                "{\"temperature\": 0, \"beam_size\": 1, \"max_new_tokens\": 8}"));
        MILLIS.put("WAV header claiming 2^31 samples", r.millis());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        // Windows are laid over the audio decoded: one claimed 2^31 samples long would start more.
        double duration = dataBytes / 16000.0;
        for (String line : r.out().lines().toList()) {
            JsonNode segment = new ObjectMapper().readTree(line);
            assertTrue(segment.path("seek").asInt() == 0 && segment.path("start").asDouble() <= duration, line);
        }
        assertNoLeftovers(f);
    }
}
