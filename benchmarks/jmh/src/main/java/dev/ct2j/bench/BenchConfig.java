package dev.ct2j.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the benchmarks find their inputs, read in the forked JVMs from system properties (which
 * benchmarks/jmh/run.sh passes through {@code -jvmArgsAppend}) or environment variables.
 *
 * <ul>
 *   <li>{@code ct2j.native.lib} / {@code CT2J_NATIVE_LIB}: libct2j.so (read by ct2j itself)
 *   <li>{@code ct2j.repo} / {@code CT2J_REPO}: the repository root (default: the working directory)
 *   <li>{@code ct2j.model.dir} / {@code CT2J_MODEL_DIR}: the model (default ~/.cache/ct2j/models/base)
 *   <li>{@code ct2j.test.data}: the directory holding jfk.flac (default {@code <repo>/../shared/data})
 *   <li>{@code ct2j.bench.features}: raw little-endian float32 [80, frames] features of jfk.flac
 *       (the run script writes faster-whisper's own); without it they are computed in Java
 * </ul>
 */
final class BenchConfig {
    static final int N_MELS = 80;
    static final int WINDOW_FRAMES = 3000;
    static final int THREADS = Integer.getInteger("ct2j.bench.threads", 2);
    static final String COMPUTE_TYPE = System.getProperty("ct2j.bench.computeType", "int8");

    private BenchConfig() {}

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? null : value;
    }

    static Path repo() {
        String value = setting("ct2j.repo", "CT2J_REPO");
        return (value == null ? Path.of("") : Path.of(value)).toAbsolutePath().normalize();
    }

    static Path modelDir() {
        String value = setting("ct2j.model.dir", "CT2J_MODEL_DIR");
        return value != null ? Path.of(value)
                : Path.of(System.getProperty("user.home"), ".cache", "ct2j", "models", "base");
    }

    static Path jfk() {
        String value = setting("ct2j.test.data", "CT2J_TEST_DATA");
        Path dir = value != null ? Path.of(value) : repo().resolve("../shared/data").normalize();
        return dir.resolve("jfk.flac");
    }

    static Path featuresFile() {
        String value = System.getProperty("ct2j.bench.features");
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    static float[] readF32(Path file) throws java.io.IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** [80, frames] row-major features zero-padded or trimmed to one 30 s window, as pad_or_trim does. */
    static float[] window(float[] features) {
        int frames = features.length / N_MELS;
        float[] window = new float[N_MELS * WINDOW_FRAMES];
        for (int m = 0; m < N_MELS; m++) {
            System.arraycopy(features, m * frames, window, m * WINDOW_FRAMES, Math.min(frames, WINDOW_FRAMES));
        }
        return window;
    }
}
