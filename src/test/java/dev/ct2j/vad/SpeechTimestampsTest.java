package dev.ct2j.vad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The pure-Java parts of the VAD on hand-made inputs. Expected values were produced by faster-whisper 1.2.1
 * with {@code get_vad_model} patched to return the same probabilities.
 */
class SpeechTimestampsTest {

    private static final VadOptions NO_PAD_NO_SILENCE =
            VadOptions.builder().minSilenceDurationMs(0).speechPadMs(0).build();

    @Test
    void probabilitiesAreComparedWithTheThresholdInFloat32() {
        // float32(0.35) is not below neg_threshold 0.5 - 0.15 once both are float32, as numpy 2 compares them.
        float[] probs = {0.9f, 0.35f, 0.35f, 0f, 0f};
        assertEquals(List.of(new SpeechChunk(0, 1536)),
                SpeechTimestamps.speechTimestampsFromProbabilities(probs, 2500, NO_PAD_NO_SILENCE));
    }

    @Test
    void padIsAppliedToBothSidesOfAWideGapAndClampedToTheAudio() {
        float[] probs = new float[18];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = i < 12 || i >= 15 ? 0.9f : 0f;
        }
        VadOptions options = VadOptions.builder().minSilenceDurationMs(0).speechPadMs(33).build();
        assertEquals(List.of(new SpeechChunk(0, 6672), new SpeechChunk(7152, 9116)),
                SpeechTimestamps.speechTimestampsFromProbabilities(probs, 512 * 18 - 100, options));
    }

    @Test
    void collectChunksOfNothingIsOneEmptyChunk() {
        CollectedChunks collected = SpeechTimestamps.collectChunks(new float[10], List.of());
        assertEquals(1, collected.audioChunks().size());
        assertEquals(0, collected.audioChunks().getFirst().length);
        assertEquals(List.of(new ChunkMetadata(0, 0, List.of())), collected.metadata());
    }

    /** joinSpeech is collect_chunks' single group with max_duration=inf, numpy slice rules included. */
    @Test
    void joinSpeechIsTheOneGroupOfCollectChunks() {
        float[] audio = new float[100];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = i;
        }
        List<SpeechChunk> chunks = List.of(new SpeechChunk(0, 50), new SpeechChunk(60, 70), new SpeechChunk(95, 130),
                new SpeechChunk(-10, -5));
        CollectedChunks collected = SpeechTimestamps.collectChunks(audio, chunks);
        assertEquals(1, collected.audioChunks().size());
        float[] joined = SpeechTimestamps.joinSpeech(audio, chunks);
        assertArrayEquals(collected.audioChunks().getFirst(), joined);
        assertEquals(50 + 10 + 5 + 5, joined.length);
        assertEquals(0, SpeechTimestamps.joinSpeech(audio, List.of()).length);
    }

    @Test
    void collectChunksLeavesTheChunkThatOpensAGroupOutOfItsSegments() {
        float[] audio = new float[100];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = i;
        }
        List<SpeechChunk> chunks = List.of(new SpeechChunk(0, 50), new SpeechChunk(60, 70), new SpeechChunk(80, 90));
        CollectedChunks collected = SpeechTimestamps.collectChunks(audio, chunks, 0.002);
        assertEquals(List.of(
                new ChunkMetadata(0.0, 0.0, List.of()),
                new ChunkMetadata(0.0, 0.003125, List.of()),
                new ChunkMetadata(0.003125, 0.00125, List.of(new SpeechChunk(80, 90)))), collected.metadata());
        assertEquals(0, collected.audioChunks().get(0).length);
        assertEquals(50, collected.audioChunks().get(1).length);
        assertArrayEquals(new float[] {60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89},
                collected.audioChunks().get(2));
    }

    @Test
    void originalTimesRoundLikePythonRound() {
        assertEquals(2.67, SpeechTimestampsMap.pythonRound(2.675, 2));
        assertEquals(0.12, SpeechTimestampsMap.pythonRound(0.125, 2));
        assertEquals(0.38, SpeechTimestampsMap.pythonRound(0.375, 2));
        assertEquals(-0.0, SpeechTimestampsMap.pythonRound(-0.001, 2));
        assertEquals(20.0, SpeechTimestampsMap.pythonRound(15.0, -1));
    }

    @Test
    void aTimeAtAChunkEndBelongsToThatChunkOnlyWhenItIsAnEnd() {
        SpeechTimestampsMap map = new SpeechTimestampsMap(
                List.of(new SpeechChunk(16000, 32000), new SpeechChunk(48000, 64000)), 16000);
        assertEquals(0, map.getChunkIndex(1.0, true));
        assertEquals(1, map.getChunkIndex(1.0, false));
        assertEquals(2.0, map.getOriginalTime(1.0, null, true));
        assertEquals(3.0, map.getOriginalTime(1.0, null, false));
        assertEquals(3.5, map.getOriginalTime(1.5));
        assertEquals(2.0, map.getOriginalTime(1.0, -2, false), "negative indices count from the end, as in Python");
    }

    @Test
    void aMapWithoutChunksHasNoOriginalTimes() {
        SpeechTimestampsMap map = new SpeechTimestampsMap(List.of(), 16000);
        assertEquals(-1, map.getChunkIndex(0.5, false));
        assertThrows(IndexOutOfBoundsException.class, () -> map.getOriginalTime(0.5));
    }
}
