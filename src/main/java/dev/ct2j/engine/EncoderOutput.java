package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The encoder's output [batch, frames/2, d_model], held in native memory on the model's device
 * (or on the host when encoded with toCpu). Reuse it for detectLanguage, generate and align, as
 * faster-whisper does, and close it when the window is done: on a GPU it holds device memory.
 */
public final class EncoderOutput extends EngineInput {
    private final long[] shape;
    private final java.util.function.Consumer<EncoderOutput> onClose;

    EncoderOutput(MemorySegment storage, java.util.function.Consumer<EncoderOutput> onClose) {
        super("EncoderOutput", storage, () -> ct2j_h.ct2j_storage_free(storage));
        this.onClose = onClose;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment dims = call.allocate(ValueLayout.JAVA_LONG, 4);
            int rank = (int) ct2j_h.ct2j_storage_shape(storage, dims, 4);
            this.shape = dims.asSlice(0, rank * Long.BYTES).toArray(ValueLayout.JAVA_LONG);
        }
    }

    @Override
    protected void beforeFree() {
        onClose.accept(this);
    }

    /** The dimensions, e.g. [1, 1500, 512]. */
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int batchSize() {
        return (int) shape[0];
    }

    /** Copies the values to a float array (converting float16/bfloat16, fetching from the GPU). */
    public float[] toFloatArray() {
        acquire();
        try (Arena call = Arena.ofConfined()) {
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            if (count > Integer.MAX_VALUE) {
                throw new IllegalStateException("encoder output too large for a Java array: " + count + " values");
            }
            MemorySegment out = call.allocate(ValueLayout.JAVA_FLOAT, count);
            Status.check(ct2j_h.ct2j_storage_copy_to_f32(storage(), out, count), "cannot read the encoder output");
            return out.toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            release();
        }
    }
}
