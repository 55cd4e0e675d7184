package dev.ct2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.Transcript;
import dev.ct2j.transcribe.Segment;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ct2j transcribe} end to end, through the launcher with the real base model: one run
 * over two files, a directory and a missing file writes every format for the good inputs (the
 * subtitles parsed, the JSON read back), reports the missing one in a line and exits 1, with the
 * model loaded once; a run killed with SIGKILL half-way through a file leaves no file under a
 * final name.
 */
class TranscribeEndToEndTest {
    private static final Pattern SRT_CUE = Pattern.compile(
            "(\\d+)\\n(\\d{2}):(\\d{2}):(\\d{2}),(\\d{3}) --> (\\d{2}):(\\d{2}):(\\d{2}),(\\d{3})\\n((?:.+\\n)+)");
    private static final Pattern VTT_TIME = Pattern.compile("(?:(\\d{2}):)?(\\d{2}):(\\d{2})\\.(\\d{3})");

    @TempDir
    static Path tmp;
    static Path launcher;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void ready() throws Exception {
        launcher = Launcher.ready();
    }

    static Run launch(Path work, Map<String, String> env, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(args);
        Path stderr = Files.createTempFile(tmp, "stderr", ".log");
        Path stdout = Files.createTempFile(tmp, "stdout", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectError(stderr.toFile())
                .redirectOutput(stdout.toFile());
        pb.environment().put("CT2J_CACHE", tmp.resolve("cache").toString());
        pb.environment().remove("CT2J_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not finish: " + args);
        }
        return new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    @Test
    void filesDirectoryAndAMissingFileInOneRun() throws Exception {
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path out = tmp.resolve("out");
        Path dir = Files.createDirectory(tmp.resolve("recordings"));
        Files.copy(TestSupport.data("hotwords.mp3"), dir.resolve("hotwords.mp3"));
        Files.writeString(dir.resolve("notes.txt"), "not audio: skipped by its extension\n");
        Path missing = tmp.resolve("missing.wav");
        Path logging = Files.writeString(tmp.resolve("logging.properties"), """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=FINE
                java.util.logging.SimpleFormatter.format=ct2j-log %5$s%n
                dev.ct2j.level=FINE
                """);
        Run r = launch(work, Map.of("CT2J_JAVA_OPTS", "-Djava.util.logging.config.file=" + logging), List.of(
                "transcribe", TestSupport.data("jfk.flac").toString(), missing.toString(),
                TestSupport.data("multilingual.mp3").toString(), dir.toString(), "--model",
                TestSupport.modelDir().toString(), "--device", "cpu", "--compute_type", "int8", "--output_dir",
                out.toString(), "--word-timestamps", "--max-line-width", "42", "--max-line-count", "2"));
        assertEquals(1, r.exit(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("ct2j: error: ")).toList();
        assertEquals(List.of("ct2j: error: " + missing + ": no such file"), errors, r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("ct2j-log ") && l.endsWith(": CLOSED")).count(),
                "one model, loaded once and closed once: " + r.err());
        assertEquals("", r.out());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "everything went to --output-dir");
        }

        List<String> expected = new ArrayList<>();
        for (String stem : List.of("jfk", "multilingual", "hotwords")) {
            for (OutputFormat format : OutputFormat.ALL) {
                expected.add(stem + "." + format.extension());
            }
        }
        try (Stream<Path> written = Files.list(out)) {
            assertEquals(expected.stream().sorted().toList(),
                    written.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        for (String stem : List.of("jfk", "multilingual", "hotwords")) {
            Transcript transcript;
            try (Reader in = Files.newBufferedReader(out.resolve(stem + ".json"), StandardCharsets.UTF_8)) {
                transcript = Transcript.readJson(in);
            }
            assertFalse(transcript.segments().isEmpty(), stem);
            double last = 0;
            for (Segment segment : transcript.segments()) {
                assertTrue(segment.start() >= last - 1e-9 && segment.end() >= segment.start(), stem + ": " + segment);
                assertFalse(segment.words().isEmpty(), "--word-timestamps: " + segment);
                last = segment.start();
            }
            assertEquals(transcript.text().strip(), Files.readString(out.resolve(stem + ".txt")).lines()
                    .map(String::strip).reduce((a, b) -> a + " " + b).orElse(""), stem + ".txt");
            assertTrue(Files.readString(out.resolve(stem + ".tsv")).startsWith("start\tend\ttext\n"), stem + ".tsv");
            checkSrt(Files.readString(out.resolve(stem + ".srt")), 42, 2);
            checkVtt(Files.readString(out.resolve(stem + ".vtt")), 42, 2);
        }
        assertTrue(Files.readString(out.resolve("jfk.txt")).contains("ask not what your country can do for you"));
    }

    /** Numbered cues 1..n, each "start --> end" then text lines and a blank line; times never go back. */
    static void checkSrt(String srt, int maxWidth, int maxLines) {
        assertTrue(srt.endsWith("\n\n") || srt.isEmpty(), "ends with a blank line");
        Matcher m = SRT_CUE.matcher(srt);
        int index = 0;
        int at = 0;
        long previousStart = -1;
        while (m.find()) {
            assertEquals(at, m.start(), "cue " + (index + 1) + " follows the previous one: " + srt.substring(at,
                    Math.min(srt.length(), at + 200)));
            assertEquals(++index, Integer.parseInt(m.group(1)));
            long start = millis(m.group(2), m.group(3), m.group(4), m.group(5));
            long end = millis(m.group(6), m.group(7), m.group(8), m.group(9));
            assertTrue(start <= end && start >= previousStart, "cue " + index + " times: " + m.group());
            checkLines(m.group(10), maxWidth, maxLines, m.group());
            previousStart = start;
            at = m.end();
            assertTrue(at < srt.length() && srt.charAt(at) == '\n', "a blank line after cue " + index);
            at++;
        }
        assertTrue(index > 0, "cues: " + srt);
        assertEquals(srt.length(), at, "nothing after the last cue");
    }

    /** "WEBVTT", a blank line, then cues "start --> end" with text lines, each followed by a blank line. */
    static void checkVtt(String vtt, int maxWidth, int maxLines) {
        assertTrue(vtt.startsWith("WEBVTT\n\n"), vtt);
        String[] blocks = vtt.substring("WEBVTT\n\n".length()).split("\n\n", -1);
        assertEquals("", blocks[blocks.length - 1], "the file ends with a blank line");
        long previousStart = -1;
        for (int i = 0; i < blocks.length - 1; i++) {
            String[] lines = blocks[i].split("\n");
            String[] times = lines[0].split(" --> ");
            assertEquals(2, times.length, "cue timing line: " + blocks[i]);
            long start = vttMillis(times[0]);
            long end = vttMillis(times[1]);
            assertTrue(start <= end && start >= previousStart, "cue times: " + blocks[i]);
            assertTrue(lines.length >= 2, "cue text: " + blocks[i]);
            checkLines(blocks[i].substring(lines[0].length() + 1) + "\n", maxWidth, maxLines, blocks[i]);
            previousStart = start;
        }
        assertTrue(blocks.length > 1, "cues: " + vtt);
    }

    private static void checkLines(String text, int maxWidth, int maxLines, String cue) {
        List<String> lines = text.lines().toList();
        assertTrue(lines.size() <= maxLines, "at most " + maxLines + " lines: " + cue);
        for (String line : lines) {
            assertFalse(line.isBlank(), cue);
            // A single word longer than the width stays whole, as in whisper-ctranslate2.
            assertTrue(line.strip().length() <= maxWidth || !line.strip().contains(" "), "width: " + cue);
        }
    }

    private static long millis(String h, String m, String s, String ms) {
        return ((Long.parseLong(h) * 60 + Long.parseLong(m)) * 60 + Long.parseLong(s)) * 1000 + Long.parseLong(ms);
    }

    private static long vttMillis(String time) {
        Matcher m = VTT_TIME.matcher(time.strip());
        assertTrue(m.matches(), "VTT time: " + time);
        return millis(m.group(1) == null ? "0" : m.group(1), m.group(2), m.group(3), m.group(4));
    }

    /**
     * SIGKILL while the first output file is half written (a test hook pauses there): the final
     * name never appears, only the hidden temporary file does.
     */
    @Test
    void killedMidWriteLeavesNoPartialFile() throws Exception {
        Path work = Files.createDirectory(tmp.resolve("kill-work"));
        Path out = tmp.resolve("kill-out");
        List<String> command = List.of(launcher.toString(), "transcribe", TestSupport.data("jfk.flac").toString(),
                "--model", TestSupport.modelDir().toString(), "--device", "cpu", "--compute-type", "int8",
                "--language", "en", "-o", out.toString(), "-f", "all");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectError(tmp.resolve("kill-stderr.log").toFile())
                .redirectOutput(tmp.resolve("kill-stdout.log").toFile());
        pb.environment().put("CT2J_CACHE", tmp.resolve("cache").toString());
        pb.environment().put("CT2J_JAVA_OPTS", "-Dct2j.test.writePauseMillis=60000");
        Process p = pb.start();
        p.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        List<Path> temporary = List.of();
        while (temporary.isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            if (Files.isDirectory(out)) {
                try (Stream<Path> files = Files.list(out)) {
                    temporary = files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
                }
            }
        }
        // The launcher execs the JVM: its pid is the JVM's.
        assertTrue(p.isAlive(), "the run ended before writing: " + Files.readString(tmp.resolve("kill-stderr.log")));
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
        assertEquals(1, temporary.size(), temporary.toString());
        assertTrue(temporary.getFirst().getFileName().toString().startsWith(".jfk.txt."), temporary.toString());
        assertTrue(Files.size(temporary.getFirst()) > 0, "killed half-way through the file");
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(), files.filter(f -> !f.getFileName().toString().startsWith(".")).toList(),
                    "no file under a final name");
        }
    }
}
