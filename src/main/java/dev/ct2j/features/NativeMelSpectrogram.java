package dev.ct2j.features;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * A log-mel spectrogram in native memory, laid out as {@link MelSpectrogram} is ({@code
 * [nMels][frames]}, float32 in native byte order). The batched pipeline keeps its chunks' features
 * here until their batch is encoded: an hour's are 156 MB, which as {@code float[]}s would go to
 * the old generation, whose pages the serial collector keeps after they are dropped. {@link
 * #close()} gives them back at once; reading {@link #data()} after it throws {@link
 * IllegalStateException}.
 */
public final class NativeMelSpectrogram implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final int nMels;
    private final int frames;
    private final MemorySegment data;
    private final Cleaner.Cleanable cleanable;

    private NativeMelSpectrogram(int nMels, int frames, Arena arena, MemorySegment data) {
        this.nMels = nMels;
        this.frames = frames;
        this.data = data;
        this.cleanable = CLEANER.register(this, arena::close); // one never closed is freed once unreachable
    }

    /**
     * Frames {@code [from, to)} of {@code mel} copied into native memory, like {@link
     * MelSpectrogram#slice}, without the slice's copy on the Java heap.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <= mel.frames()}
     */
    public static NativeMelSpectrogram copyOf(MelSpectrogram mel, int from, int to) {
        Objects.requireNonNull(mel, "mel");
        Objects.checkFromToIndex(from, to, mel.frames());
        int n = to - from;
        // A shared arena: the engine's batch may be filled on any thread, and close() is safe
        // against a reader mid-copy.
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, (long) mel.nMels() * n);
            for (int m = 0; m < mel.nMels(); m++) {
                MemorySegment.copy(mel.data(), m * mel.frames() + from, data, ValueLayout.JAVA_FLOAT,
                        (long) m * n * Float.BYTES, n);
            }
            return new NativeMelSpectrogram(mel.nMels(), n, arena, data.asReadOnly());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Number of mel bands (rows). */
    public int nMels() {
        return nMels;
    }

    /** Number of 10 ms frames (columns). */
    public int frames() {
        return frames;
    }

    /** The {@code nMels * frames} values, read-only: band {@code m}, frame {@code t} at float index {@code m * frames + t}. */
    public MemorySegment data() {
        return data;
    }

    /** Whether {@link #close()} has freed the values. */
    public boolean isClosed() {
        return !data.scope().isAlive();
    }

    /** A copy on the Java heap. */
    public MelSpectrogram toMelSpectrogram() {
        return new MelSpectrogram(nMels, frames, data.toArray(ValueLayout.JAVA_FLOAT));
    }

    /** Frees the values; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "NativeMelSpectrogram[nMels=" + nMels + ", frames=" + frames + (isClosed() ? ", closed]" : "]");
    }
}
