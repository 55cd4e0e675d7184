package dev.ct2j.natives;

/**
 * Guards one native handle: calls enter and leave it; {@link #closeAndAwait()} refuses new
 * calls, waits for the calls in flight to return, and only then lets the owner free the handle.
 * That ordering is what keeps a close() racing a native call from freeing memory under it.
 */
public final class HandleGuard {
    private final String what;
    private int inFlight;
    private boolean closed;

    /** @param what how error messages name the handle, e.g. "WhisperEngine(/models/base)" */
    public HandleGuard(String what) {
        this.what = what;
    }

    /** Registers a call; throws {@link IllegalStateException} if the handle is closed. */
    public synchronized void enter() {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
        inFlight++;
    }

    public synchronized void leave() {
        if (--inFlight == 0) {
            notifyAll();
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    /**
     * Marks the handle closed and waits, uninterruptibly, until no call is in flight.
     *
     * @return true for the first close, false if it was already closed (close is idempotent)
     */
    public synchronized boolean closeAndAwait() {
        if (closed) {
            return false;
        }
        closed = true;
        boolean interrupted = false;
        while (inFlight > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                // Freeing while a call still runs would be a use-after-free: keep waiting.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    public String what() {
        return what;
    }
}
