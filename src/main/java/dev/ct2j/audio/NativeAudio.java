package dev.ct2j.audio;

import dev.ct2j.bindings.ct2j_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;

/**
 * Decoded samples left in the native memory FFmpeg's decode wrote them to
 * ({@link AudioDecoder#decodeNative}). {@link #close()} frees them at once, so a long file's samples
 * (230 MB an hour) go straight back to the operating system; a {@code float[]} of that size lives
 * in the old generation, whose pages the serial collector keeps after it is dropped.
 * Reading {@link #samples()} after close throws {@link IllegalStateException}.
 */
public final class NativeAudio implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment samples;
    private final Cleaner.Cleanable cleanable;

    /** Takes ownership of the ct2j_audio handle, whose samples {@code channel} points into. */
    NativeAudio(MemorySegment handle, MemorySegment channel) {
        // A shared arena: readers on any thread, and close() waits for none of them to be mid-copy.
        Arena arena = Arena.ofShared();
        this.samples = channel.reinterpret(channel.byteSize(), arena, ignored -> ct2j_h.ct2j_audio_free(handle))
                .asReadOnly();
        this.cleanable = CLEANER.register(this, arena::close); // an audio never closed is freed once unreachable
    }

    /** The mono samples (16 kHz unless decoded at another rate), float32 in native byte order; read-only. */
    public MemorySegment samples() {
        return samples;
    }

    /** The number of samples. */
    public int length() {
        return (int) (samples.byteSize() / Float.BYTES);
    }

    /** A copy on the Java heap. */
    public float[] toArray() {
        return samples.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Frees the samples; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
