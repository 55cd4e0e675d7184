package dev.ct2j.lifetime;

/**
 * The one "close waits for callers" mechanism of ct2j: calls {@link #enter()} and {@link #leave()}
 * something closable; closing refuses new calls and waits for the ones in flight, so that a close
 * racing a call never frees what the call still uses. Every owner uses it: native handles
 * ({@code natives.NativeResource}), the Silero VAD session, and a {@code WhisperModel}'s open
 * transcriptions and units of work.
 *
 * <ul>
 *   <li>{@link #closeAndAwait()}: refuse new calls, then wait for those in flight (a native handle
 *       about to be freed).
 *   <li>{@link #closeWhenIdle()}: wait until no call is in flight, still admitting new ones, then
 *       refuse (a model closing only once every open transcription is read).
 *   <li>{@link #close()}: refuse new calls, without waiting.
 *   <li>{@link #runIfIdle(Runnable)}: run something only if no call is in flight, holding new calls
 *       off meanwhile (an idle unload that must never run under a call).
 *   <li>{@link #closeAndAwait(long)}: refuse new calls and wait a bounded time (the JVM's shutdown
 *       hook, which must not hang on a call that CTranslate2 cannot stop).
 * </ul>
 *
 * <p>A call after close throws {@link IllegalStateException} with the guard's closed message.
 * Waits are uninterruptible (the interrupt status is kept): giving up would free memory under a
 * running call. The bounded wait gives up by telling its caller not to free.
 */
public final class CallGuard {
    private final String what;
    private final String closedMessage;
    private int inFlight;
    private boolean closed;
    private Thread exclusive; // the thread inside runIfIdle, if any

    /** @param what how messages name the guarded object; a call after close says "{what} is closed" */
    public CallGuard(String what) {
        this(what, what + " is closed");
    }

    /** @param closedMessage the message of the IllegalStateException a call after close throws */
    public CallGuard(String what, String closedMessage) {
        this.what = what;
        this.closedMessage = closedMessage;
    }

    /**
     * Registers a call; throws {@link IllegalStateException} if closed. Waits while a
     * {@link #runIfIdle} section runs on another thread.
     */
    public synchronized void enter() {
        waitUninterruptiblyWhile(() -> exclusive != null && exclusive != Thread.currentThread() && !closed);
        ensureOpen();
        inFlight++;
    }

    /** Ends a call started by {@link #enter()}. */
    public synchronized void leave() {
        if (--inFlight == 0) {
            notifyAll();
        }
    }

    /** Throws the closed {@link IllegalStateException} if closed. */
    public synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(closedMessage);
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Calls entered and not yet left. */
    public synchronized int inFlight() {
        return inFlight;
    }

    public String what() {
        return what;
    }

    /**
     * Refuses new calls, without waiting for those in flight.
     *
     * @return true for the first close, false if already closed (closing is idempotent)
     */
    public synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        notifyAll();
        return true;
    }

    /**
     * Refuses new calls and waits, uninterruptibly, until no call is in flight.
     *
     * @return true for the first close, false if already closed
     */
    public synchronized boolean closeAndAwait() {
        if (!close()) {
            return false;
        }
        awaitNoCalls();
        return true;
    }

    /**
     * Refuses new calls and waits, uninterruptibly, at most {@code timeoutNanos} for those in
     * flight. Only a true result allows freeing what the guard protects: false means that another
     * close came first (it frees), or that a call still runs after the bound (nothing may be
     * freed under it; the guard stays closed, so the memory is left to the exiting process).
     *
     * @return true if this call closed the guard and no call was in flight within the bound
     */
    public synchronized boolean closeAndAwait(long timeoutNanos) {
        if (!close()) {
            return false;
        }
        long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        boolean interrupted = false;
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return inFlight == 0;
    }

    /**
     * Waits, uninterruptibly and still admitting new calls, until no call is in flight, then
     * refuses new calls: no call can enter between the last one leaving and the close.
     *
     * @return true for the first close, false if already closed
     */
    public synchronized boolean closeWhenIdle() {
        awaitNoCalls();
        return close();
    }

    /**
     * Runs {@code action} if the guard is open and no call is in flight, holding new calls off
     * until it returns (they wait, then proceed). Does not wait for calls in flight.
     *
     * @return false, without running it, when closed, busy, or another such section runs
     */
    public boolean runIfIdle(Runnable action) {
        synchronized (this) {
            if (closed || inFlight > 0 || exclusive != null) {
                return false;
            }
            exclusive = Thread.currentThread();
        }
        try {
            action.run();
            return true;
        } finally {
            synchronized (this) {
                exclusive = null;
                notifyAll();
            }
        }
    }

    private void awaitNoCalls() {
        // Freeing while a call still runs would be a use-after-free: an interrupt does not end the wait.
        waitUninterruptiblyWhile(() -> inFlight > 0);
    }

    /** Waits on this monitor (held by the caller) while {@code condition} holds; keeps the interrupt status. */
    private void waitUninterruptiblyWhile(java.util.function.BooleanSupplier condition) {
        boolean interrupted = false;
        while (condition.getAsBoolean()) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
