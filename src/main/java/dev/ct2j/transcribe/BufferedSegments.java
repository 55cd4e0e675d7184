package dev.ct2j.transcribe;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A lazy segment sequence that decodes a unit of work (a window, a batch) whenever its buffer
 * runs dry: the shape of faster-whisper's generators, shared by the sequential and batched paths.
 */
abstract class BufferedSegments implements Iterator<Segment> {
    protected final Deque<Segment> pending = new ArrayDeque<>();
    /** Set by the transcription's close; checked before each unit and each native step in it. */
    protected final StopSignal stop = new StopSignal();
    private boolean done;

    /** Decodes the next unit of work into {@link #pending}; false once there is none left. */
    protected abstract boolean produce();

    @Override
    public final boolean hasNext() {
        while (pending.isEmpty() && !done) {
            stop.check();
            done = !produce();
        }
        return !pending.isEmpty();
    }

    StopSignal stopSignal() {
        return stop;
    }

    @Override
    public final Segment next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return pending.removeFirst();
    }
}
