package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Log-mel features, float32 [batch, nMels, frames], in native memory that CTranslate2 reads in
 * place: the engine wraps them without copying (a StorageView over this memory).
 *
 * <p>{@link #of} copies a Java array into memory this object owns; {@link #wrap} takes memory the
 * caller owns and keeps alive until this object is closed.
 */
public final class Features extends EngineInput {
    private final int batch;
    private final int nMels;
    private final int frames;

    private Features(MemorySegment storage, Arena arena, int batch, int nMels, int frames) {
        super("Features[" + batch + "x" + nMels + "x" + frames + "]", storage, () -> {
            ct2j_h.ct2j_storage_free(storage);
            if (arena != null) {
                arena.close();
            }
        });
        this.batch = batch;
        this.nMels = nMels;
        this.frames = frames;
    }

    /** Copies row-major [batch][nMels][frames] values into native memory owned by the result. */
    public static Features of(float[] values, int batch, int nMels, int frames) {
        checkShape(values == null ? -1 : values.length, batch, nMels, frames);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = arena.allocate(ValueLayout.JAVA_FLOAT, values.length);
            MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
            return create(data, arena, batch, nMels, frames);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Wraps caller memory without copying. The segment must hold batch*nMels*frames floats,
     * stay alive and unchanged until this object is closed.
     */
    public static Features wrap(MemorySegment data, int batch, int nMels, int frames) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        checkShape(data.byteSize() / Float.BYTES, batch, nMels, frames);
        if (data.address() % Float.BYTES != 0) {
            throw new IllegalArgumentException("data must be 4-byte aligned");
        }
        return create(data, null, batch, nMels, frames);
    }

    private static Features create(MemorySegment data, Arena arena, int batch, int nMels, int frames) {
        dev.ct2j.natives.NativeLibrary.ensureLoaded();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment shape = call.allocateFrom(ValueLayout.JAVA_LONG, batch, nMels, frames);
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            Status.check(ct2j_h.ct2j_storage_wrap_f32(data, 3, shape, out), "cannot wrap features");
            return new Features(out.get(ValueLayout.ADDRESS, 0), arena, batch, nMels, frames);
        }
    }

    private static void checkShape(long available, int batch, int nMels, int frames) {
        if (available < 0) {
            throw new IllegalArgumentException("values must not be null");
        }
        if (batch < 1 || nMels < 1 || frames < 1) {
            throw new IllegalArgumentException("features shape must be positive, got [" + batch + ", " + nMels + ", "
                    + frames + "]");
        }
        long needed = (long) batch * nMels * frames;
        if (available != needed) {
            throw new IllegalArgumentException("features shape [" + batch + ", " + nMels + ", " + frames
                    + "] needs " + needed + " values, got " + available);
        }
    }

    @Override
    public int batchSize() {
        return batch;
    }

    public int nMels() {
        return nMels;
    }

    public int frames() {
        return frames;
    }
}
