package dev.ct2j.vad;

import java.util.List;

/**
 * faster-whisper's {@code collect_chunks} metadata dict for one group of concatenated speech.
 *
 * @param offset   seconds of speech in all groups before this one (not a position in the original audio)
 * @param duration seconds of speech in this group
 * @param segments the speech chunks recorded for this group; like faster-whisper, it lacks the chunk that
 *                 opened the group when the group was started by the max-duration rule
 */
public record ChunkMetadata(double offset, double duration, List<SpeechChunk> segments) {
    public ChunkMetadata {
        segments = List.copyOf(segments);
    }
}
