package dev.ct2j.vad;

import dev.ct2j.lifetime.CallGuard;
import dev.ct2j.models.ModelStore;
import dev.ct2j.natives.OnnxRuntimeNatives;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The Silero VAD v6 ONNX model, run the way faster-whisper 1.2.1's {@code SileroVADModel} runs it: CPU
 * only, one intra-op and one inter-op thread, no memory arena.
 *
 * <p>Thread-safe: {@link #speechProbabilities} may be called from several threads at once (ONNX Runtime
 * sessions allow concurrent runs, and each call carries its own LSTM state). {@link #close} waits for
 * running calls; calls after it throw {@link IllegalStateException}.
 */
public final class SileroVadModel implements AutoCloseable {

    /** System property naming the model file; checked first by {@link #locateDefault()}. */
    public static final String MODEL_PROPERTY = "ct2j.vad.model";
    /** Environment variable naming the model file; checked second by {@link #locateDefault()}. */
    public static final String MODEL_ENV = "CT2J_VAD_MODEL";
    /** File name in the ct2j model store, where {@code scripts/install-vad.sh} puts it. */
    public static final String MODEL_FILE = "silero_vad_v6.onnx";
    /** The copy built into the jar at package time (scripts/setup.sh). */
    public static final String MODEL_RESOURCE = "/dev/ct2j/data/" + MODEL_FILE;

    /** Samples per window: one probability per window. */
    public static final int WINDOW_SIZE = 512;
    /** Samples of the previous window prepended to each window. */
    public static final int CONTEXT_SIZE = 64;
    private static final int INPUT_WIDTH = WINDOW_SIZE + CONTEXT_SIZE;
    private static final int STATE_SIZE = 128;
    private static final long[] STATE_SHAPE = {1, 1, STATE_SIZE};
    // faster-whisper's encoder_batch_size: rows per session run; h and c carry over between runs.
    private static final int BATCH_ROWS = 10000;

    private final Path path;
    private final String source;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final CallGuard guard;

    private SileroVadModel(Path path, String source, OrtEnvironment env, OrtSession session) {
        this.path = path;
        this.source = source;
        this.env = env;
        this.session = session;
        this.guard = new CallGuard("SileroVadModel(" + source + ")", "the Silero VAD model is closed: " + source);
    }

    /** Loads the ONNX model at {@code path}. */
    public static SileroVadModel load(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("Silero VAD model not found: " + path.toAbsolutePath());
        }
        return open(path, path.toString(), (env, opts) -> env.createSession(path.toString(), opts));
    }

    /**
     * Loads the default model: the file named by {@value #MODEL_PROPERTY} or {@value #MODEL_ENV} if
     * either is set, else the copy the jar carries ({@value #MODEL_RESOURCE}, from the same pinned
     * faster-whisper wheel), else the file {@link #locateDefault()} finds in the model store.
     */
    public static SileroVadModel loadDefault() {
        if (isBlank(System.getProperty(MODEL_PROPERTY)) && isBlank(System.getenv(MODEL_ENV))) {
            byte[] bundled;
            try (var in = SileroVadModel.class.getResourceAsStream(MODEL_RESOURCE)) {
                bundled = in == null ? null : in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read " + MODEL_RESOURCE + " from the ct2j jar: " + e.getMessage(), e);
            }
            if (bundled != null) {
                return open(null, "the ct2j jar (" + MODEL_RESOURCE + ")", (env, opts) -> env.createSession(bundled, opts));
            }
        }
        return load(locateDefault());
    }

    private interface SessionFactory {
        OrtSession create(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;
    }

    private static SileroVadModel open(Path path, String source, SessionFactory factory) {
        OnnxRuntimeNatives.useCachedCopy(OrtEnvironment.class);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setInterOpNumThreads(1);
            opts.setIntraOpNumThreads(1);
            opts.setCPUArenaAllocator(false);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            return new SileroVadModel(path, source, env, factory.create(env, opts));
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the Silero VAD model " + source + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * Finds the default model file: system property {@value #MODEL_PROPERTY}, then environment variable
     * {@value #MODEL_ENV}, then the model store ({@code $CT2J_MODELS}, default {@code ~/.cache/ct2j/models}),
     * where {@code scripts/install-vad.sh} puts it.
     *
     * @throws IllegalStateException naming every path tried when none holds the file
     */
    public static Path locateDefault() {
        return locateDefault(ModelStore.system());
    }

    static Path locateDefault(ModelStore modelStore) {
        List<String> tried = new ArrayList<>();
        String property = System.getProperty(MODEL_PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property);
            if (Files.isRegularFile(p)) {
                return p;
            }
            tried.add(p.toAbsolutePath() + " (system property " + MODEL_PROPERTY + ")");
        }
        String fromEnv = System.getenv(MODEL_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (Files.isRegularFile(p)) {
                return p;
            }
            tried.add(p.toAbsolutePath() + " (environment variable " + MODEL_ENV + ")");
        }
        Path store = modelStore.file(MODEL_FILE);
        if (Files.isRegularFile(store)) {
            return store;
        }
        tried.add(store + " (ct2j model store)");
        throw new IllegalStateException("Silero VAD model not found; tried " + String.join(", ", tried)
                + ". Install it with scripts/install-vad.sh, or set -D" + MODEL_PROPERTY + " or " + MODEL_ENV + ".");
    }

    /** The model file, or {@code null} when it was loaded from the jar (see {@link #source()}). */
    public Path path() {
        return path;
    }

    /** Where the model came from: its file, or the jar. */
    public String source() {
        return source;
    }

    /**
     * One speech probability per 512-sample window: faster-whisper's {@code SileroVADModel.__call__}.
     *
     * <p>Each window is fed with the last 64 samples of the previous window in front (zeros before the
     * first). The caller's array is not modified, unlike the numpy original, which zeroes its input's
     * tail in place.
     *
     * @param paddedAudio 16 kHz mono samples, a non-zero multiple of 512 long
     * @return {@code paddedAudio.length / 512} probabilities
     */
    public float[] speechProbabilities(float[] paddedAudio) {
        return speechProbabilities(paddedAudio, paddedAudio.length);
    }

    /**
     * {@link #speechProbabilities(float[])} of {@code audio} followed by zeros up to {@code length}
     * samples, without making that padded copy (a whole file's worth of samples).
     *
     * @param length a non-zero multiple of 512, at least {@code audio.length}
     */
    public float[] speechProbabilities(float[] audio, int length) {
        return speechProbabilities(MemorySegment.ofArray(audio), length);
    }

    /**
     * {@link #speechProbabilities(float[], int)} of samples in a memory segment (float32, native
     * byte order), e.g. {@link dev.ct2j.audio.NativeAudio#samples()}.
     */
    public float[] speechProbabilities(MemorySegment audio, int length) {
        int samples = SpeechTimestamps.samplesIn(audio);
        if (length == 0 || length % WINDOW_SIZE != 0 || length < samples) {
            // faster-whisper fails here too (an assertion, or an IndexError on an empty buffer).
            throw new IllegalArgumentException("VAD input length must be a non-zero multiple of " + WINDOW_SIZE
                    + (length < samples ? " and at least the " + samples + " samples given" : "")
                    + ", got " + length);
        }
        int windows = length / WINDOW_SIZE;
        float[] probabilities = new float[windows];
        guard.enter();
        try {
            float[] h = new float[STATE_SIZE];
            float[] c = new float[STATE_SIZE];
            for (int first = 0; first < windows; first += BATCH_ROWS) {
                int rows = Math.min(BATCH_ROWS, windows - first);
                FloatBuffer input = batchInput(audio, first, rows, windows);
                try (OnnxTensor inputTensor = OnnxTensor.createTensor(env, input, new long[] {rows, INPUT_WIDTH});
                     OnnxTensor hTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(h), STATE_SHAPE);
                     OnnxTensor cTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(c), STATE_SHAPE);
                     OrtSession.Result result = session.run(Map.of("input", inputTensor, "h", hTensor, "c", cTensor))) {
                    FloatBuffer out = floats(result, "speech_probs");
                    if (out.remaining() != rows) {
                        throw new IllegalStateException("Silero VAD returned " + out.remaining() + " probabilities for "
                                + rows + " windows");
                    }
                    out.get(probabilities, first, rows);
                    h = new float[STATE_SIZE];
                    c = new float[STATE_SIZE];
                    floats(result, "hn").get(h);
                    floats(result, "cn").get(c);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("Silero VAD inference failed: " + e.getMessage(), e);
        } finally {
            guard.leave();
        }
        return probabilities;
    }

    /**
     * Rows {@code first .. first+rows-1} of the [-1, 576] model input, in a direct buffer ONNX Runtime
     * can wrap; samples past the end of {@code audio} are the zeros of the padding.
     */
    private static FloatBuffer batchInput(MemorySegment audio, int first, int rows, int windows) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(rows * INPUT_WIDTH * Float.BYTES).order(ByteOrder.nativeOrder());
        MemorySegment input = MemorySegment.ofBuffer(bytes);
        long at = 0; // floats written, zeros skipped included
        for (int row = first; row < first + rows; row++) {
            long start = (long) row * WINDOW_SIZE;
            if (row == 0) {
                at += CONTEXT_SIZE; // zeros: the first window has no context
            } else {
                at = putPadded(input, at, audio, start - CONTEXT_SIZE, CONTEXT_SIZE);
            }
            if (row == windows - 1) {
                // faster-whisper quirk: `context[-1] = 0` writes through a numpy view, zeroing the last 64 samples of the last window.
                at = putPadded(input, at, audio, start, WINDOW_SIZE - CONTEXT_SIZE);
                at += CONTEXT_SIZE; // left as zeros
            } else {
                at = putPadded(input, at, audio, start, WINDOW_SIZE);
            }
        }
        return bytes.asFloatBuffer();
    }

    // audio[from, from + count) at input[at], with zeros past its end (a direct buffer starts zeroed).
    private static long putPadded(MemorySegment input, long at, MemorySegment audio, long from, int count) {
        long available = Math.max(0, Math.min(count, audio.byteSize() / Float.BYTES - from));
        MemorySegment.copy(audio, ValueLayout.JAVA_FLOAT, from * Float.BYTES, input, ValueLayout.JAVA_FLOAT,
                at * Float.BYTES, available);
        return at + count;
    }

    private static FloatBuffer floats(OrtSession.Result result, String name) {
        OnnxValue value = result.get(name)
                .orElseThrow(() -> new IllegalStateException("Silero VAD model has no output '" + name + "'"));
        if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException("Silero VAD output '" + name + "' is not a tensor");
        }
        return tensor.getFloatBuffer();
    }

    @Override
    public void close() {
        if (!guard.closeAndAwait()) {
            return;
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the Silero VAD model " + source + ": " + e.getMessage(), e);
        }
    }
}
