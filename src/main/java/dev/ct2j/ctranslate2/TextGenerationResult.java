package dev.ct2j.ctranslate2;

import java.util.List;

/**
 * CTranslate2's {@code GenerationResult} for one batch item (named apart from Whisper's
 * {@code dev.ct2j.engine.GenerationResult}).
 *
 * @param scores one per sequence if {@code returnScores}, else empty
 */
public record TextGenerationResult(List<List<String>> sequences, List<List<Integer>> sequencesIds, List<Float> scores) {
    public TextGenerationResult {
        sequences = List.copyOf(sequences);
        sequencesIds = List.copyOf(sequencesIds);
        scores = List.copyOf(scores);
    }
}
