package dev.ct2j.transcribe;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The result of {@code transcribe}: the {@link TranscriptionInfo}, available at once, and the
 * segments, decoded lazily while they are read (faster-whisper's generator). The segments can be
 * read once. Closing stops the decoding early.
 */
public final class Transcription implements Iterable<Segment>, AutoCloseable {
    private final TranscriptionInfo info;
    private final Iterator<Segment> segments;
    private boolean iterated;
    private volatile boolean closed;

    Transcription(TranscriptionInfo info, Iterator<Segment> segments) {
        this.info = info;
        this.segments = segments;
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
        iterated = true;
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !closed && segments.hasNext();
            }

            @Override
            public Segment next() {
                if (closed) {
                    throw new IllegalStateException("the transcription was closed");
                }
                return segments.next();
            }
        };
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

    @Override
    public void close() {
        closed = true;
    }
}
