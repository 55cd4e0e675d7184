package dev.ct2j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.models.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's {@code ./ct2j} launcher, for tests that run it as a user would. */
final class Launcher {
    private Launcher() {}

    /**
     * The launcher's path, after checking that it will start the CLI directly: without the jar,
     * the natives and the base model it would run the whole setup instead.
     */
    static Path ready() throws Exception {
        try (var jars = Files.newDirectoryStream(TestSupport.repo().resolve("cli/target"), "ct2j-cli-*.jar")) {
            assertTrue(jars.iterator().hasNext(), "the launcher needs the CLI jar: scripts/setup.sh");
        }
        assertTrue(Files.isRegularFile(TestSupport.repo().resolve("build/native/lib/libct2j.so")), "native/build.sh first");
        assertTrue(Files.isRegularFile(ModelStore.system().path().resolve("base/.installed")),
                "the launcher needs the base model: scripts/install-model.sh base");
        return TestSupport.repo().resolve("ct2j");
    }
}
