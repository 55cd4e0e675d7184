package dev.ct2j.engine;

import java.util.List;

/**
 * One batch item of {@code generate}: CTranslate2's WhisperGenerationResult.
 *
 * @param hypotheses   best first
 * @param noSpeechProb probability of the no-speech token at the start (0 unless requested)
 */
public record GenerationResult(List<Hypothesis> hypotheses, float noSpeechProb) {
    public GenerationResult {
        hypotheses = List.copyOf(hypotheses);
    }

    /**
     * @param ids   token ids, EOS excluded
     * @param score cumulative log-probability / length^length_penalty; NaN unless scores were requested
     */
    public record Hypothesis(List<Integer> ids, float score) {
        public Hypothesis {
            ids = List.copyOf(ids);
        }
    }
}
