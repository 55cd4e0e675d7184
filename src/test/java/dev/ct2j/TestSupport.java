package dev.ct2j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find the real model, the shared audio and the project venv. Missing inputs
 * fail the test (never skip it): these tests are about real behaviour on real data.
 */
public final class TestSupport {
    private TestSupport() {}

    public static Path repo() {
        return Path.of(System.getProperty("ct2j.repo", ".")).toAbsolutePath().normalize();
    }

    public static Path modelDir() {
        Path dir = Path.of(System.getProperty("ct2j.model.dir",
                Path.of(System.getProperty("user.home"), ".cache", "ct2j", "models", "base").toString()));
        assertTrue(Files.isRegularFile(dir.resolve("model.bin")),
                "the base model is not installed at " + dir + " (run scripts/install-model.sh base)");
        return dir;
    }

    /**
     * The tiny random-weight CTranslate2 models (translator/, generator/, encoder/):
     * -Dct2j.ct2models.dir, else what parity/ct2/models.sh prints (it builds them once into
     * $CT2J_CACHE with the venv's ctranslate2).
     */
    public static synchronized Path ct2Models() {
        if (ct2Models == null) {
            String configured = System.getProperty("ct2j.ct2models.dir", "");
            Path dir;
            if (!configured.isBlank()) {
                dir = Path.of(configured);
            } else {
                Path script = repo().resolve("parity/ct2/models.sh");
                assertTrue(Files.isExecutable(script), "missing " + script);
                try {
                    Process p = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                    assertTrue(p.waitFor() == 0 && !out.isEmpty(), script + " failed");
                    dir = Path.of(out.substring(out.lastIndexOf('\n') + 1));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            for (String kind : new String[] {"translator", "generator", "encoder"}) {
                assertTrue(Files.isRegularFile(dir.resolve(kind).resolve("model.bin")),
                        "the tiny " + kind + " model is missing in " + dir + " (parity/ct2/models.sh builds it)");
            }
            ct2Models = dir;
        }
        return ct2Models;
    }

    private static Path ct2Models;

    public static Path data(String name) {
        Path dir = Path.of(System.getProperty("ct2j.test.data", repo().resolve("../shared/data").toString()));
        Path file = dir.resolve(name).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(file), "test data missing: " + file);
        return file;
    }

    public static Path python() {
        Path python = Path.of(System.getProperty("ct2j.python", repo().resolve(".venv/bin/python").toString()));
        assertTrue(Files.isExecutable(python), "the project venv is missing: " + python + " (run parity/setup-venv.sh)");
        return python;
    }
}
