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
