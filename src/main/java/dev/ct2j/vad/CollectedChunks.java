package dev.ct2j.vad;

import java.util.List;

/**
 * What faster-whisper's {@code collect_chunks} returns: the concatenated speech audio of each group and
 * the matching metadata, index for index.
 *
 * @param audioChunks 16 kHz mono samples of each group (never null; a group may be empty)
 * @param metadata    one entry per element of {@code audioChunks}
 */
public record CollectedChunks(List<float[]> audioChunks, List<ChunkMetadata> metadata) {
    public CollectedChunks {
        audioChunks = List.copyOf(audioChunks);
        metadata = List.copyOf(metadata);
    }
}
