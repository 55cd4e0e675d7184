package dev.ct2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.TestSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
    void transcribePrintsTimedSegments() {
        Run r = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(), "--device", "cpu",
                "--compute-type", "int8", "--language", "en");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("[0.00s -> "), r.out());
        assertTrue(r.out().contains("ask not what your country can do for you"), r.out());
    }

    @Test
    void jsonOutputUsesFasterWhispersFieldNames() throws Exception {
        Run r = run("transcribe", TestSupport.data("jfk.flac").toString(), "--model", model(), "--device", "cpu",
                "--compute-type", "int8", "--output-format", "json", "--options", "{\"beam_size\": 1}");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("en", doc.path("info").path("language").asText());
        assertEquals(1, doc.path("info").path("transcription_options").path("beam_size").asInt());
        JsonNode segment = doc.path("segments").get(0);
        for (String field : new String[] {"id", "seek", "start", "end", "text", "tokens", "avg_logprob",
                "compression_ratio", "no_speech_prob", "words", "temperature"}) {
            assertTrue(segment.has(field), "missing " + field + " in " + segment);
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
}
