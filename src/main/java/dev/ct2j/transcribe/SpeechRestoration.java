package dev.ct2j.transcribe;

import dev.ct2j.vad.SpeechChunk;
import dev.ct2j.vad.SpeechTimestampsMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** faster-whisper's {@code restore_speech_timestamps}: times on the VAD-collapsed audio back to the original. */
final class SpeechRestoration {
    private SpeechRestoration() {}

    static Iterator<Segment> restoreSpeechTimestamps(Iterator<Segment> segments, List<SpeechChunk> speechChunks,
                                                     int samplingRate) {
        SpeechTimestampsMap map = new SpeechTimestampsMap(speechChunks, samplingRate);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return segments.hasNext();
            }

            @Override
            public Segment next() {
                return restore(segments.next(), map);
            }
        };
    }

    static Segment restore(Segment segment, SpeechTimestampsMap map) {
        if (segment.words() != null && !segment.words().isEmpty()) {
            List<Word> words = new ArrayList<>(segment.words().size());
            for (Word word : segment.words()) {
                // Both ends resolve to the chunk of the word's middle; word times are numpy floats.
                int chunk = map.getChunkIndex((word.start() + word.end()) / 2, false);
                words.add(new Word(map.getOriginalTime(word.start(), chunk, false, true),
                        map.getOriginalTime(word.end(), chunk, false, true), word.word(), word.probability()));
            }
            return segment.withTimes(words.getFirst().start(), words.getLast().end(), words);
        }
        return segment.withTimes(map.getOriginalTime(segment.start(), null, false, false),
                map.getOriginalTime(segment.end(), null, true, false), segment.words());
    }
}
