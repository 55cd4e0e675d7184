package dev.ct2j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ct2j models download | path | list | remove} through the launcher, against the library
 * tests' fake Hub on loopback serving the real base model's files (in this package to reach it).
 */
class ModelsCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run launch(Path tmp, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(TestSupport.repo().resolve("ct2j").toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(tmp, "stderr", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not finish");
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    @Test
    void downloadPathListRemove(@TempDir Path tmp) throws Exception {
        dev.ct2j.cli.LauncherAccess.ready();
        try (FakeHub hub = new FakeHub()) {
            Map<String, Path> files = new LinkedHashMap<>();
            for (String name : List.of("config.json", "model.bin", "preprocessor_config.json", "tokenizer.json",
                    "vocabulary.json")) {
                files.put(name, TestSupport.modelDir().resolve(name));
            }
            hub.addRepo("test-org/whisper-base", files, Set.of("model.bin"), null);
            Path cache = tmp.resolve("hub");
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HUB_CACHE", cache.toString(),
                    "CT2J_CACHE", tmp.resolve("ct2j-cache").toString());

            Run missing = launch(tmp, env, "models", "path", "test-org/whisper-base");
            assertEquals(2, missing.exit(), missing.err());
            assertEquals(1, missing.err().lines().count(), missing.err());

            Run download = launch(tmp, env, "models", "download", "test-org/whisper-base");
            assertEquals(0, download.exit(), download.err());
            Path snapshot = Path.of(download.out().strip());
            assertTrue(snapshot.startsWith(cache), download.out());
            assertEquals(Files.size(TestSupport.modelDir().resolve("model.bin")), Files.size(snapshot.resolve("model.bin")));
            assertEquals("", download.err(), "no progress bar when stderr is not a terminal");

            Run path = launch(tmp, env, "models", "path", "test-org/whisper-base");
            assertEquals(0, path.exit(), path.err());
            assertEquals(snapshot.toString(), path.out().strip());

            Run list = launch(tmp, env, "models", "list");
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("test-org/whisper-base\t")
                    && l.contains("\tHub cache\t" + cache.resolve("models--test-org--whisper-base"))
                    && l.contains(" MiB\t")), list.out());

            Run remove = launch(tmp, env, "models", "remove", "test-org/whisper-base");
            assertEquals(0, remove.exit(), remove.err());
            assertFalse(Files.exists(cache.resolve("models--test-org--whisper-base")));
            Run again = launch(tmp, env, "models", "remove", "test-org/whisper-base");
            assertEquals(2, again.exit(), again.err());
        }
    }
}
