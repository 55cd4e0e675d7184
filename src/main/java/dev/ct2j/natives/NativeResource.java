package dev.ct2j.natives;

import dev.ct2j.lifetime.CallGuard;
import java.lang.ref.Cleaner;

/**
 * Base of every Java object that owns a native handle (models, tensors, audio buffers).
 *
 * <ul>
 *   <li>Calls run between {@link #enter()} and {@link #leave()}; after close, enter() throws
 *       {@link IllegalStateException}.
 *   <li>{@link #close()} is idempotent and waits for calls in flight before freeing, so a close
 *       from another thread never frees memory under a running native call.
 *   <li>A handle that is never closed is freed by a {@link Cleaner}, with a warning.
 *   <li>Once the JVM exits ({@link NativeShutdown}), enter() throws {@link IllegalStateException}.
 * </ul>
 */
public abstract class NativeResource implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    private final CallGuard guard;
    private final Releaser releaser;
    private final Cleaner.Cleanable cleanable;

    /**
     * @param what how messages name this resource
     * @param free frees the native handle; must not refer to this object
     */
    protected NativeResource(String what, Runnable free) {
        this.guard = new CallGuard(what);
        this.releaser = new Releaser(what, free);
        this.cleanable = CLEANER.register(this, releaser);
    }

    /** Starts a call on the handle; throws IllegalStateException once closed. */
    protected final void enter() {
        NativeShutdown.ensureRunning();
        guard.enter();
    }

    /** Ends a call started by {@link #enter()}. */
    protected final void leave() {
        guard.leave();
    }

    public final boolean isClosed() {
        return guard.isClosed();
    }

    /** How messages name this resource. */
    public final String describe() {
        return guard.what();
    }

    /** Waits for calls in flight, then frees the native handle. Idempotent. */
    @Override
    public void close() {
        if (guard.closeAndAwait()) {
            try {
                beforeFree();
            } finally {
                releaser.explicit = true;
                cleanable.clean();
            }
        }
    }

    /**
     * The shutdown hook's close: refuses new calls and waits at most {@code timeoutNanos} for
     * those in flight; frees the handle only if none still runs (a CTranslate2 call cannot be
     * stopped, and freeing under it would crash it; the process exit reclaims the memory).
     *
     * @return false if a call still ran after the bound, so that nothing was freed
     */
    public final boolean closeForShutdown(long timeoutNanos) {
        boolean wasClosed = guard.isClosed();
        if (guard.closeAndAwait(timeoutNanos)) {
            try {
                beforeFree();
            } finally {
                releaser.explicit = true;
                cleanable.clean();
            }
            return true;
        }
        return wasClosed || guard.inFlight() == 0;
    }

    /** Runs once, after the calls in flight have returned and before the handle is freed. */
    protected void beforeFree() {}

    private static final class Releaser implements Runnable {
        private final String what;
        private final Runnable free;
        volatile boolean explicit;

        Releaser(String what, Runnable free) {
            this.what = what;
            this.free = free;
        }

        @Override
        public void run() {
            if (!explicit) {
                LOG.log(System.Logger.Level.WARNING, "{0} was never closed; the Cleaner freed it", what);
            }
            free.run();
        }
    }
}
