package dev.ct2j.transcribe;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link WhisperModel} manages its memory over time. Immutable; build with {@link #builder()}.
 *
 * @param closeBehavior    what {@code close()} does about transcriptions still being read
 * @param unloadAfterIdle  unload the weights after no use for this long (null: never)
 * @param idleUnloadToCpu  keep a host copy when unloading for idleness (fast reload; on CPU the
 *                         weights simply stay in memory)
 * @param listener         told about idle unloads and reloads (also logged)
 */
public record LifetimeOptions(CloseBehavior closeBehavior, Duration unloadAfterIdle, boolean idleUnloadToCpu,
                              ModelEventListener listener) {

    /** What {@code close()} does while transcriptions of the model are still open. */
    public enum CloseBehavior {
        /**
         * The default: wait for the native call in progress, then free; an open transcription's
         * next step throws IllegalStateException saying the model was closed during iteration.
         */
        INTERRUPT_READERS,
        /** Wait until every open transcription has been read to the end or closed, then free. */
        WAIT_FOR_READERS
    }

    public LifetimeOptions {
        Objects.requireNonNull(closeBehavior, "closeBehavior");
        if (unloadAfterIdle != null && (unloadAfterIdle.isNegative() || unloadAfterIdle.isZero())) {
            throw new IllegalArgumentException("unloadAfterIdle must be positive, got " + unloadAfterIdle);
        }
        listener = listener == null ? event -> { } : listener;
    }

    public static LifetimeOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private CloseBehavior closeBehavior = CloseBehavior.INTERRUPT_READERS;
        private Duration unloadAfterIdle;
        private boolean idleUnloadToCpu;
        private ModelEventListener listener;

        private Builder() {}

        public Builder closeBehavior(CloseBehavior value) { this.closeBehavior = value; return this; }

        /** Unload after {@code idle} without calls; the next call reloads transparently. */
        public Builder unloadAfterIdle(Duration idle, boolean toCpu) {
            this.unloadAfterIdle = idle;
            this.idleUnloadToCpu = toCpu;
            return this;
        }

        public Builder listener(ModelEventListener value) { this.listener = value; return this; }

        public LifetimeOptions build() {
            return new LifetimeOptions(closeBehavior, unloadAfterIdle, idleUnloadToCpu, listener);
        }
    }
}
