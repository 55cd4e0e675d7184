package dev.ct2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where the tests find the model and faster-whisper; missing either fails the tests, never skips them. */
final class TokenizerTestSupport {

    private TokenizerTestSupport() {}

    static Path repo() {
        return Path.of(System.getProperty("ct2j.repo", System.getProperty("user.dir")));
    }

    static Path modelDir() {
        Path dir = Path.of(System.getProperty("ct2j.model.dir",
                System.getProperty("user.home") + "/.cache/ct2j/models/base"));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")),
                "no tokenizer.json in the model directory " + dir + " (set -Dct2j.model.dir)");
        return dir;
    }

    static Path python() {
        String configured = System.getProperty("ct2j.python");
        Path python = configured != null ? Path.of(configured) : repo().resolve(".venv/bin/python");
        assertTrue(Files.isExecutable(python),
                "no Python with faster-whisper at " + python + " (set -Dct2j.python, see parity/setup-venv.sh)");
        return python;
    }

    /** Runs parity/tools/reference_tokenizer.py on the model and parses its JSON. */
    static JsonNode runReferenceScript(Path modelDir) throws IOException, InterruptedException {
        Path script = repo().resolve("parity/tools/reference_tokenizer.py");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        Path stderr = Files.createTempFile("reference_tokenizer", ".err");
        try {
            Process process = new ProcessBuilder(python().toString(), script.toString(), modelDir.toString())
                    .redirectError(stderr.toFile())
                    .start();
            process.getOutputStream().close();
            byte[] stdout = process.getInputStream().readAllBytes();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "reference_tokenizer.py timed out");
            assertEquals(0, process.exitValue(),
                    () -> "reference_tokenizer.py failed:\n" + readQuietly(stderr));
            return new ObjectMapper().readTree(new String(stdout, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.intValue()));
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }

    static List<List<Integer>> intLists(JsonNode array) {
        List<List<Integer>> out = new ArrayList<>();
        array.forEach(n -> out.add(ints(n)));
        return out;
    }
}
