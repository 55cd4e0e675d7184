package dev.ct2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.TestSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: output lines, JSON, and one-line errors with exit code 2. */
class MainTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static String model() {
        return TestSupport.modelDir().toString();
    }

    @Test
    void jsonlStreamsSegmentsWithFasterWhispersFieldNames() throws Exception {
        Run r = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(), "--device", "cpu",
                "--compute-type", "int8", "--language", "en", "--output-format", "jsonl", "--options",
                "{\"beam_size\": 1}");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.size() >= 1, r.out());
        assertTrue(r.out().contains("ask not what your country can do for you"), r.out());
        JsonNode segment = new ObjectMapper().readTree(lines.getFirst());
        for (String field : new String[] {"id", "seek", "start", "end", "text", "tokens", "avg_logprob",
                "compression_ratio", "no_speech_prob", "words", "temperature"}) {
            assertTrue(segment.has(field), "missing " + field + " in " + segment);
        }
    }

    @Test
    void stdinAndDetectLanguageOnSeveralFiles(@TempDir Path tmp) throws Exception {
        java.io.InputStream in = System.in;
        Run stdin;
        try {
            System.setIn(Files.newInputStream(TestSupport.data("jfk.flac")));
            stdin = run("transcribe", "-", "--model", model(), "--device", "cpu", "--compute-type", "int8",
                    "--language", "en", "-f", "txt", "-o", tmp.toString());
        } finally {
            System.setIn(in);
        }
        assertEquals(0, stdin.exit(), stdin.err());
        assertTrue(Files.readString(tmp.resolve("stdin.txt")).contains("ask not what your country"));

        Run detect = run("detect-language", TestSupport.data("jfk.flac").toString(),
                TestSupport.data("multilingual.mp3").toString(), "--top", "2", "--model", model(), "--device", "cpu",
                "--compute-type", "int8");
        assertEquals(0, detect.exit(), detect.err());
        List<String> lines = detect.out().lines().toList();
        assertEquals(4, lines.size(), detect.out());
        assertTrue(lines.get(0).matches(".*jfk\\.flac\ten 0\\.\\d{4}"), detect.out());
        assertTrue(lines.get(2).startsWith(TestSupport.data("multilingual.mp3") + "\t"), detect.out());

        Run path = run("models", "path", "base");
        assertEquals(0, path.exit(), path.err());
        assertTrue(path.out().strip().endsWith("/base"), path.out());
        Run list = run("models", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("base\t") && l.contains("\tct2j store\t")), list.out());
        Run none = run("models", "path", "/no/such/model");
        assertEquals(2, none.exit(), none.err());
    }

    @Test
    void badFlagsAreUsageErrors() {
        String jfk = TestSupport.data("jfk.flac").toString();
        for (String[] args : new String[][] {{"transcribe"}, {"transcribe", jfk, "--nope"},
                {"transcribe", jfk, "--beam-size", "x"}, {"transcribe", jfk, "--output-format", "docx"},
                {"transcribe", jfk, "--word_timestamps=maybe"}, {"detect-language", jfk, "--top", "0"},
                {"models", "frobnicate"}, {"frobnicate"}}) {
            Run r = run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("ct2j: error: "), String.join(" ", args) + ": " + r.err());
            assertEquals("", r.out(), String.join(" ", args));
        }
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        Run missing = run("transcribe", "/no/such/file.wav", "--model", model());
        assertEquals(2, missing.exit());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("/no/such/file.wav"), missing.err());

        Run language = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(),
                "--device", "cpu", "--language", "xx");
        assertEquals(2, language.exit());
        assertTrue(language.err().startsWith("ct2j: error: ") && language.err().contains("xx"), language.err());

        Run clips = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(),
                "--clip-timestamps", "1,x");
        assertEquals(2, clips.exit());
        assertTrue(clips.err().contains("clip_timestamps"), clips.err());

        Run tokens = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(),
                "--options", "{\"max_new_tokens\": 1000}");
        assertEquals(2, tokens.exit());
        assertTrue(tokens.err().contains("max_new_tokens"), tokens.err());

        Run unknownOption = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(),
                "--options", "{\"beam_sise\": 3}");
        assertEquals(2, unknownOption.exit());
        assertTrue(unknownOption.err().contains("beam_sise"), unknownOption.err());

        Run noModel = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", "/no/model/dir");
        assertEquals(2, noModel.exit());
        assertTrue(noModel.err().contains("/no/model/dir"), noModel.err());
    }

    private static void assertOneLineNaming(Run r, String... parts) {
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("ct2j: error: "), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "'" + part + "' not in: " + r.err());
        }
        assertEquals("", r.out());
    }

    @Test
    void optionValuesOutOfRangeAreOneLineNamingTheOption() {
        String jfk = TestSupport.data("jfk.flac").toString();
        for (String clips : new String[] {"{\"clip_timestamps\": \"1e308\"}", "{\"clip_timestamps\": [1e308]}"}) {
            assertOneLineNaming(run("transcribe", jfk, "--model", model(), "--device", "cpu", "--compute-type", "int8",
                    "--language", "en", "--options", clips), "clip_timestamps", "1.0E308");
        }
        assertOneLineNaming(run("transcribe", jfk, "--model", model(), "--device", "cpu", "--compute-type", "int8",
                "--language", "en", "--batch-size", "2", "--options",
                "{\"clip_timestamps\": [{\"start\": 0, \"end\": 1e308}]}"), "clip_timestamps", "1.0E308");
        for (String temperature : new String[] {"[NaN]", "NaN", "[0.0, Infinity]"}) {
            assertOneLineNaming(run("transcribe", jfk, "--model", model(), "--options",
                    "{\"temperature\": " + temperature + "}"), "temperature", temperature.contains("NaN") ? "NaN" : "Infinity");
        }
        assertOneLineNaming(run("transcribe", jfk, "--model", model(), "--options", "{\"temperature\": \"NaN\"}"),
                "temperature", "\"NaN\"");
        assertOneLineNaming(run("transcribe", jfk, "--model", model(), "--options", "{\"beam_size\": 2,}"),
                "--options is not valid JSON", "column 17");
    }

    @Test
    void invalidModelConfigIsOneLineExitCode2(@TempDir Path tmp) throws Exception {
        // Used to crash the JVM (SIGSEGV in CTranslate2's set_alignment_heads, exit 134).
        Path dir = Files.createDirectory(tmp.resolve("bad-alignment-heads"));
        for (String name : List.of("model.bin", "tokenizer.json", "vocabulary.json", "preprocessor_config.json")) {
            try {
                Files.createLink(dir.resolve(name), TestSupport.modelDir().resolve(name));
            } catch (java.io.IOException | UnsupportedOperationException e) {
                Files.copy(TestSupport.modelDir().resolve(name), dir.resolve(name));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(TestSupport.modelDir().resolve("config.json").toFile());
        config.set("alignment_heads", json.readTree("[[99, 99]]"));
        json.writeValue(dir.resolve("config.json").toFile(), config);
        assertOneLineNaming(run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", dir.toString(),
                "--device", "cpu", "--compute-type", "int8", "--language", "en", "--word-timestamps"),
                dir.resolve("config.json").toString(),
                "alignment_heads [99, 99] out of range: the decoder has 6 layers x 8 heads");
    }

    /**
     * The launcher: HotSpot prints its fatal-error banner on fd 1, so the launcher gives the JVM
     * stderr there and the real stdout as fd 3; the hs_err report goes under $CT2J_CACHE/crash.
     * The crash is forced with HotSpot's diagnostic AbortVMOnException.
     */
    @Test
    void launcherKeepsCrashReportsOffStdout(@TempDir Path tmp) throws Exception {
        Path launcher = Launcher.ready();

        Path work = Files.createDirectory(tmp.resolve("work"));
        Path cache = tmp.resolve("cache");
        Run version = launch(launcher, work, cache, "", "--version");
        assertEquals(0, version.exit(), version.err());
        assertEquals("ct2j 0.1.0", version.out().strip(),
                "output goes to the real stdout (fd 3 in the JVM; a jar older than Main? package it again)");

        Run crash = launch(launcher, work, cache,
                "-XX:+UnlockDiagnosticVMOptions -XX:AbortVMOnException=dev.ct2j.audio.AudioDecodeException",
                "transcribe", Files.writeString(tmp.resolve("not-audio.wav"), "not audio\n").toString());
        assertEquals(134, crash.exit(), crash.err());
        assertEquals("", crash.out(), "nothing on stdout");
        assertTrue(crash.err().contains("A fatal error has been detected"), crash.err());
        try (var reports = Files.list(cache.resolve("crash"))) {
            List<Path> files = reports.toList();
            assertEquals(1, files.size(), files.toString());
            assertTrue(files.getFirst().getFileName().toString().matches("hs_err_pid\\d+\\.log"), files.toString());
            assertTrue(crash.err().contains(files.getFirst().toString()), "the banner names the report: " + crash.err());
        }
        try (var left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "no hs_err file in the working directory");
        }
    }

    private static Run launch(Path launcher, Path work, Path cache, String javaOpts, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile(work.getParent(), "stderr", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectError(stderr.toFile());
        pb.environment().put("CT2J_CACHE", cache.toString());
        pb.environment().put("CT2J_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
        return new Run(p.exitValue(), out, Files.readString(stderr));
    }
}
