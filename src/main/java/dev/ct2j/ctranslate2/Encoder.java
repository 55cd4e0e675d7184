package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.Status;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * CTranslate2's {@code ctranslate2.Encoder}: an encoder-only model (BERT-style).
 * {@code forwardBatch} is {@code forward_batch}, its outputs copied to the host as float32.
 * Lifetime: {@link TextModel}.
 */
public final class Encoder extends TextModel {
    private final Vocabulary vocabulary;

    private Encoder(MemorySegment handle, Path directory) {
        super("Encoder", handle, directory, ct2j_h::ct2j_encoder_free,
                readString(ct2j_h.ct2j_encoder_compute_type(handle)), ct2j_h.ct2j_encoder_num_replicas(handle));
        this.vocabulary = Vocabulary.read(ct2j_h.ct2j_encoder_vocabulary(handle));
    }

    /** Loads a converted model directory on the CPU (CTranslate2's Python defaults). */
    public static Encoder load(Path directory) {
        return load(directory, CPU);
    }

    public static Encoder load(Path directory, ModelOptions options) {
        return new Encoder(loadHandle("encoder", directory, options, ct2j_h::ct2j_encoder_load), directory);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** {@code forward_batch(tokens)}: tokens as the model's tokenizer gives them ([CLS] ... [SEP]). */
    public EncoderForwardOutput forwardBatch(List<List<String>> input) {
        return forwardBatch(NativeBatch.ids(vocabulary, input, "input"));
    }

    /** {@code forward_batch(ids)}. */
    public EncoderForwardOutput forwardBatch(int[][] ids) {
        return call(() -> {
            try (Arena call = Arena.ofConfined()) {
                NativeBatch batch = NativeBatch.of(call, ids, "input");
                MemorySegment hidden = call.allocate(ValueLayout.ADDRESS);
                MemorySegment pooler = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_encoder_forward_batch(handle, batch.size(), batch.ids(), batch.lengths(), hidden,
                        pooler), "forward_batch failed");
                MemorySegment h = hidden.get(ValueLayout.ADDRESS, 0);
                MemorySegment p = pooler.get(ValueLayout.ADDRESS, 0);
                try {
                    float[][][] state = (float[][][]) copy(call, h, 3);
                    float[][] pooled = p.equals(MemorySegment.NULL) ? null : (float[][]) copy(call, p, 2);
                    return new EncoderForwardOutput(state, pooled);
                } finally {
                    ct2j_h.ct2j_storage_free(h);
                    ct2j_h.ct2j_storage_free(p);
                }
            }
        });
    }

    private static Object copy(Arena call, MemorySegment storage, int rank) {
        MemorySegment shape = call.allocate(ValueLayout.JAVA_LONG, 4);
        long actual = ct2j_h.ct2j_storage_shape(storage, shape, 4);
        if (actual != rank) {
            throw new IllegalStateException("expected an encoder output of rank " + rank + ", got " + actual);
        }
        long[] dims = shape.asSlice(0, rank * Long.BYTES).toArray(ValueLayout.JAVA_LONG);
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        MemorySegment values = call.allocate(ValueLayout.JAVA_FLOAT, Math.max(count, 1));
        Status.check(ct2j_h.ct2j_storage_copy_to_f32(storage, values, count), "cannot copy the encoder output");
        float[] flat = count == 0 ? new float[0] : values.toArray(ValueLayout.JAVA_FLOAT);
        int last = (int) dims[rank - 1];
        if (rank == 2) {
            float[][] out = new float[(int) dims[0]][last];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * last, out[i], 0, last);
            }
            return out;
        }
        float[][][] out = new float[(int) dims[0]][(int) dims[1]][last];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) {
                System.arraycopy(flat, (i * out[i].length + j) * last, out[i][j], 0, last);
            }
        }
        return out;
    }

    @Override
    int nativeUnload(boolean toCpu, int busyPolicy) {
        return ct2j_h.ct2j_encoder_unload(handle, toCpu, busyPolicy);
    }

    @Override
    int nativeLoadWeights(boolean keepCache) {
        return ct2j_h.ct2j_encoder_load_weights(handle, keepCache);
    }

    @Override
    boolean nativeIsLoaded() {
        return ct2j_h.ct2j_encoder_is_loaded(handle);
    }

    @Override
    int nativeActiveBatches() {
        return ct2j_h.ct2j_encoder_num_active_batches(handle);
    }
}
