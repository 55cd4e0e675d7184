package dev.ct2j.transcribe;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The result of {@code transcribe}: the {@link TranscriptionInfo}, available at once, and the
 * segments, decoded lazily while they are read (faster-whisper's generator). The segments can be
 * read once.
 *
 * <p>An open transcription holds a lease on its model, released when the last segment has been
 * read or when it is closed. Closing the model while a transcription is being read never
 * crashes: the next step throws {@link IllegalStateException} saying so (or, with
 * {@link LifetimeOptions.CloseBehavior#WAIT_FOR_READERS}, the close waits for this lease).
 *
 * <p>{@link #close()} stops decoding. Reading a closed transcription, by this thread or one that
 * was reading it, throws {@link IllegalStateException} as reading a closed model does, rather
 * than ending as if the audio were done (where faster-whisper's closed generator just stops): a
 * segment that {@code hasNext()} already announced is still returned, and a transcription whose
 * segments were all read stays complete.
 */
public final class Transcription implements Iterable<Segment>, AutoCloseable {
    private final TranscriptionInfo info;
    private final Iterator<Segment> segments;
    private final WhisperModel model;
    private boolean iterated;
    private boolean released;
    private boolean closed;
    private int read;

    private final Runnable onRelease;
    private final StopSignal stop;

    Transcription(TranscriptionInfo info, Iterator<Segment> segments, WhisperModel model) {
        this(info, segments, model, () -> { }, new StopSignal());
    }

    /**
     * {@code onRelease} frees what the segments still hold when reading ends or is closed;
     * {@code stop} is the signal the segments check before each native step.
     */
    Transcription(TranscriptionInfo info, Iterator<Segment> segments, WhisperModel model, Runnable onRelease,
                  StopSignal stop) {
        this.info = info;
        this.segments = segments;
        this.model = model;
        this.onRelease = onRelease;
        this.stop = stop;
        model.acquireLease();
    }

    public TranscriptionInfo info() {
        return info;
    }

    /** The segments, decoded as they are read. Callable once. */
    @Override
    public synchronized Iterator<Segment> iterator() {
        if (iterated) {
            throw new IllegalStateException("the segments of a transcription can be read only once");
        }
        if (closed) {
            throw closedTranscription();
        }
        iterated = true;
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return advance();
            }

            @Override
            public Segment next() {
                synchronized (Transcription.this) {
                    if (lookahead == null && !advance()) {
                        throw new NoSuchElementException();
                    }
                    Segment segment = lookahead;
                    lookahead = null;
                    read++;
                    return segment;
                }
            }
        };
    }

    // A segment hasNext() already decoded: next() returns it even if close() came in between.
    private Segment lookahead;

    private synchronized boolean advance() {
        if (lookahead != null) {
            return true;
        }
        if (closed && !exhausted) {
            throw closedTranscription();
        }
        if (released) {
            if (model.isClosed() && !exhausted) {
                throw closedDuringIteration(null);
            }
            return false;
        }
        boolean more;
        try {
            more = segments.hasNext();
        } catch (StopSignal.Stopped e) {
            release(); // close() on another thread; it takes over once this step has returned
            throw closedTranscription();
        } catch (IllegalStateException e) {
            if (model.isClosed()) {
                release();
                throw closedDuringIteration(e);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            release();
            throw e;
        }
        if (!more) {
            exhausted = true;
            release();
            return false;
        }
        lookahead = segments.next();
        return true;
    }

    private boolean exhausted;

    private IllegalStateException closedTranscription() {
        return new IllegalStateException("this transcription was closed (after " + read + " segments);"
                + " its remaining segments are not decoded");
    }

    private IllegalStateException closedDuringIteration(Throwable cause) {
        return new IllegalStateException("the model " + model.directory().path() + " was closed while this"
                + " transcription was being read (after " + read + " segments)", cause);
    }

    private void release() {
        if (!released) {
            released = true;
            try {
                onRelease.run();
            } finally {
                model.releaseLease();
            }
        }
    }

    public Stream<Segment> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
    }

    /** Reads every remaining segment. */
    public List<Segment> toList() {
        List<Segment> all = new ArrayList<>();
        iterator().forEachRemaining(all::add);
        return all;
    }

    /**
     * Stops reading: the reading thread stops before its next native step (an encode, a language
     * detection, a generate of the temperature fallback, an alignment), not at the end of the
     * window, and the model lease is released; reading after this throws
     * {@link IllegalStateException}. When another thread is reading, this waits for the native
     * call in progress to return (CTranslate2 cannot stop a generate between decoding steps), so
     * that no native work of this transcription runs once close returns. Idempotent.
     */
    @Override
    public void close() {
        stop.request(); // outside the monitor: the reader holds it for the whole step
        synchronized (this) {
            closed = true;
            release();
        }
    }
}
