package dev.ct2j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.SubtitleOptions;
import dev.ct2j.output.Transcript;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import dev.ct2j.transcribe.Word;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@code ct2j serve} as its own process on loopback with the real base model and calls it
 * with OpenAI's official Python client (server/check.py, in the project venv). The expected
 * answers are the library's own results for the same files and options, computed here first.
 * Missing prerequisites (model, native library, venv) fail the test: skipping would hide them.
 */
class ServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LOAD_FILES = List.of("jfk.flac", "hotwords.mp3", "stereo_diarization.wav");
    // The server's engine settings, which the library's reference results use too.
    private static final String COMPUTE_TYPE = "int8";
    private static final int WORKERS = 2;
    private static final int MAX_UPLOAD_MB = 2;
    // Peak RSS allowed under the load test: base int8 with two decoding workers measured about
    // 560 MB here (JVM, Jetty, libraries, model, 8 requests' audio); the bound leaves room.
    private static final int RSS_BOUND_MB = 900;

    private static Path property(String name) {
        String value = System.getProperty(name);
        assertTrue(value != null && !value.isBlank(), "system property " + name + " is not set");
        return Path.of(value);
    }

    @Test
    void openAiClientAgainstTheServer(@TempDir Path work) throws Exception {
        Path model = property("ct2j.model.dir");
        Path data = property("ct2j.test.data");
        Path repo = property("ct2j.repo");
        Path python = repo.resolve(".venv/bin/python");
        assertTrue(Files.isRegularFile(property("ct2j.native.lib")), "native library missing: run scripts/setup.sh");
        assertTrue(Files.isRegularFile(model.resolve("model.bin")), "model missing: " + model);
        assertTrue(Files.isExecutable(python), "project venv missing: run parity/setup-venv.sh");
        Path expected = work.resolve("expected.json");
        ObjectNode expectedResults = expected(model, data);
        Files.writeString(expected, JSON.writeValueAsString(expectedResults));

        Path log = work.resolve("server.log");
        Process server = startServer(model, log, "--api-key", "test-key", "--model-ttl", "2",
                "--max-upload-mb", Integer.toString(MAX_UPLOAD_MB), "--shutdown-timeout", "5");
        try {
            String url = baseUrl(server, log);
            String out = runCheck(python, repo, url, expected, data, work, "main");
            System.out.println("server check (main): " + out);
            // SIGTERM: the server stops within its shutdown timeout, closing its models.
            long stopping = System.nanoTime();
            server.destroy();
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
            System.out.printf("server stopped %.1f s after SIGTERM, exit %d%n",
                    (System.nanoTime() - stopping) / 1e9, server.exitValue());
        } finally {
            server.destroyForcibly();
        }

        Process queued = startServer(model, work.resolve("queue.log"), "--workers", "1", "--max-queue", "0",
                "--preload", model.toString());
        try {
            String url = baseUrl(queued, work.resolve("queue.log"));
            waitHealthy(url);
            String out = runCheck(python, repo, url, expected, data, work, "queue");
            System.out.println("server check (queue): " + out);
            drainsOnSigterm(queued, url, data.resolve("multilingual.mp3"),
                    expectedResults.get("results").get("multilingual.mp3").get("text").asText());
        } finally {
            queued.destroy();
            if (!queued.waitFor(20, TimeUnit.SECONDS)) {
                queued.destroyForcibly();
            }
        }
    }

    private static ObjectNode expected(Path model, Path data) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model.toString());
        ArrayNode files = root.putArray("files");
        LOAD_FILES.forEach(files::add);
        ObjectNode results = root.putObject("results");
        ObjectNode withWords = root.putObject("results_words");
        ObjectNode translations = root.putObject("translation");
        ModelOptions options = ModelOptions.builder().computeType(COMPUTE_TYPE).interThreads(WORKERS)
                .intraThreads(1).build();
        try (WhisperModel whisper = WhisperModel.load(model.toString(), options)) {
            List<String> all = new ArrayList<>(LOAD_FILES);
            all.add("multilingual.mp3");
            for (String name : all) {
                results.set(name, result(whisper, data.resolve(name), TranscriptionOptions.defaults(), true));
            }
            withWords.set("jfk.flac", result(whisper, data.resolve("jfk.flac"),
                    TranscriptionOptions.builder().wordTimestamps(true).build(), false));
            try (Transcription t = whisper.transcribe(data.resolve("jfk.flac"),
                    TranscriptionOptions.builder().task("translate").build())) {
                translations.put("jfk.flac", Transcript.of(t).text().strip());
            }
        }
        return root;
    }

    private static ObjectNode result(WhisperModel model, Path file, TranscriptionOptions options, boolean subtitles)
            throws IOException {
        ObjectNode node = JSON.createObjectNode();
        try (Transcription t = model.transcribe(file, options)) {
            Transcript transcript = Transcript.of(t);
            node.put("text", transcript.text().strip()).put("duration", t.info().duration());
            ArrayNode segments = node.putArray("segments");
            ArrayNode words = node.putArray("words");
            for (Segment s : transcript.segments()) {
                ObjectNode seg = segments.addObject().put("start", s.start()).put("end", s.end()).put("text", s.text());
                ArrayNode tokens = seg.putArray("tokens");
                s.tokens().forEach(tokens::add);
                for (Word w : s.words() == null ? List.<Word>of() : s.words()) {
                    words.addObject().put("start", w.start()).put("end", w.end()).put("word", w.word());
                }
            }
            if (subtitles) {
                for (OutputFormat format : List.of(OutputFormat.SRT, OutputFormat.VTT)) {
                    StringWriter out = new StringWriter();
                    format.writer(SubtitleOptions.defaults(), false).write(transcript, out);
                    node.put(format.extension(), out.toString());
                }
            }
        }
        return node;
    }

    private static Process startServer(Path model, Path log, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
                "-Dct2j.native.lib=" + System.getProperty("ct2j.native.lib"),
                "-cp", System.getProperty("java.class.path"), ServeCommand.class.getName(),
                "--port", "0", "--model", model.toString(), "--compute-type", COMPUTE_TYPE,
                "--workers", Integer.toString(WORKERS), "--cpu-threads", "1", "--local-files-only"));
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        builder.environment().remove("CT2J_API_KEY");
        return builder.start();
    }

    private static String baseUrl(Process server, Path log) throws Exception {
        Pattern listening = Pattern.compile("listening on (http://[0-9.]+:[0-9]+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                Matcher m = listening.matcher(Files.readString(log));
                if (m.find()) {
                    return m.group(1);
                }
            }
            if (!server.isAlive()) {
                fail("the server exited (" + server.exitValue() + "):\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return fail("the server did not start:\n" + Files.readString(log));
    }

    // SIGTERM while a request decodes: the request still gets its whole answer (the server drains
    // within its shutdown timeout before the JVM exits), and the server then exits 143.
    private static void drainsOnSigterm(Process server, String url, Path audio, String expectedText) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        String boundary = "ct2j-drain-boundary";
        var body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + audio.getFileName() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes());
        body.writeBytes(Files.readAllBytes(audio));
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                + "whisper-1\r\n--" + boundary + "--\r\n").getBytes());
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/v1/audio/transcriptions"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        var response = client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Pattern inProgress = Pattern.compile("(?m)^ct2j_requests_in_progress 1$");
        while (!inProgress.matcher(client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body()).find()) {
            assertTrue(System.nanoTime() < deadline && !response.isDone(), "the request never showed as in progress");
            Thread.sleep(10);
        }
        long signalled = System.nanoTime();
        server.destroy();
        var answer = response.get(60, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), "the request in flight at SIGTERM: " + answer.body());
        assertEquals(expectedText, JSON.readTree(answer.body()).get("text").asText(), "its text");
        assertTrue(server.waitFor(20, TimeUnit.SECONDS), "the server did not exit after draining");
        assertEquals(143, server.exitValue(), "exit status after SIGTERM");
        System.out.printf("drain: the request in flight at SIGTERM answered 200 in full; exit 143 %.1f s after"
                + " the signal%n", (System.nanoTime() - signalled) / 1e9);
    }

    private static void waitHealthy(String url) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean saw503 = false;
        while (System.nanoTime() < deadline) {
            int status = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) {
                System.out.println("health: 503 seen while preloading: " + saw503);
                return;
            }
            assertEquals(503, status, "/health while the default model loads");
            saw503 = true;
            Thread.sleep(20);
        }
        fail("the preload did not finish");
    }

    private static String runCheck(Path python, Path repo, String url, Path expected, Path data, Path work,
                                   String mode) throws Exception {
        List<String> command = List.of(python.toString(), repo.resolve("server/check.py").toString(),
                "--base-url", url, "--api-key", mode.equals("main") ? "test-key" : "", "--mode", mode,
                "--expected", expected.toString(), "--data", data.toString(), "--work", work.toString(),
                "--max-upload-mb", Integer.toString(MAX_UPLOAD_MB), "--rss-bound-mb", Integer.toString(RSS_BOUND_MB));
        Path out = work.resolve("check-" + mode + ".log");
        Process check = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!check.waitFor(6, TimeUnit.MINUTES)) {
            check.destroyForcibly();
            fail("check.py " + mode + " timed out:\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        assertEquals(0, check.exitValue(), "check.py " + mode + " failed:\n" + output);
        return output.strip();
    }
}
