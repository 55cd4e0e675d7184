package dev.ct2j.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM ends while a native generate runs: {@code Runtime.halt(3)} (no shutdown hook; the
 * native exit handler alone) and {@code System.exit(3)} (the hook, then the handler). Before the
 * fix both crashed: exit() ran oneDNN's static destructors under the generation's worker threads
 * (SIGSEGV, hs_err report, exit code 134). Now the exit code is 3 and nothing crashes.
 */
class ProcessExitTest {
    @ParameterizedTest
    @ValueSource(strings = {"halt", "exit"})
    void exitDuringGenerationKeepsTheStatusAndDoesNotCrash(String mode, @TempDir Path tmp) throws Exception {
        Path crashDir = Files.createDirectory(tmp.resolve("crash"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-XX:ErrorFile=" + crashDir.resolve("hs_err_pid%p.log"),
                "-D" + NativeLibrary.PATH_PROPERTY + "=" + System.getProperty(NativeLibrary.PATH_PROPERTY, ""),
                "-D" + NativeShutdown.TIMEOUT_PROPERTY + "=300",
                "-cp", System.getProperty("java.class.path"), ExitDuringGenerationProbe.class.getName(),
                mode, TestSupport.modelDir().toString(), TestSupport.data("jfk.flac").toString()));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        long start = System.nanoTime();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the probe JVM did not end");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);

        assertTrue(stdout.contains("generating"), "the exit came during a generate: " + stdout + stderr);
        assertFalse(stdout.contains("segment "), "no window finished before the exit: " + stdout);
        assertFalse(stderr.contains("A fatal error has been detected"), stderr);
        try (var reports = Files.list(crashDir)) {
            assertEquals(List.of(), reports.toList(), "no hs_err report");
        }
        try (var left = Files.list(tmp)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no hs_err file");
        }
        assertEquals(3, p.exitValue(), "the exit status survives: " + stderr);
        if (mode.equals("exit")) {
            // The hook waited its 300 ms and left the busy model to the native exit handler.
            assertTrue(stderr.contains("ct2j: exiting with 1 native call(s) still running after 300 ms"), stderr);
        }
        assertTrue(seconds < 120, "ended in " + seconds + " s");
    }
}
