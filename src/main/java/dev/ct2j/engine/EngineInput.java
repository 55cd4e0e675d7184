package dev.ct2j.engine;

import dev.ct2j.natives.NativeResource;
import java.lang.foreign.MemorySegment;

/**
 * What the model's calls take: mel {@link Features} or an {@link EncoderOutput}. Both are native
 * tensors (ct2j_storage) that the caller owns and closes.
 */
public abstract sealed class EngineInput extends NativeResource permits Features, EncoderOutput {
    private final MemorySegment storage;

    EngineInput(String what, MemorySegment storage, Runnable free) {
        super(what, free);
        this.storage = storage;
    }

    /** The ct2j_storage handle, valid between acquire() and release(). */
    final MemorySegment storage() {
        return storage;
    }

    final void acquire() {
        enter();
    }

    final void release() {
        leave();
    }

    /** Batch size: the first dimension. */
    public abstract int batchSize();
}
