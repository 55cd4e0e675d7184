package dev.ct2j.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ct2j.TestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python script in the project venv (where whisper-ctranslate2 0.5.8 is installed by
 * parity/setup-venv.sh) with the given stdin: the tests' expected outputs come from Python itself.
 */
final class PythonOracle {
    private PythonOracle() {}

    static String run(String script, String stdin, String... args) {
        try {
            Path file = Files.createTempFile("ct2j-oracle", ".py");
            try {
                Files.writeString(file, script, StandardCharsets.UTF_8);
                List<String> command = new java.util.ArrayList<>(List.of(TestSupport.python().toString(), file.toString()));
                command.addAll(List.of(args));
                ProcessBuilder builder = new ProcessBuilder(command);
                // A lone surrogate cannot be printed as UTF-8; backslashreplace prints it escaped.
                builder.environment().put("PYTHONIOENCODING", "utf-8:backslashreplace");
                builder.redirectError(ProcessBuilder.Redirect.INHERIT);
                Process process = builder.start();
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(120, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("python did not finish: " + script);
                }
                assertEquals(0, process.exitValue(), "python failed on:\n" + script);
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
