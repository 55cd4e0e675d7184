package dev.ct2j.ctranslate2;

import java.util.List;

/**
 * CTranslate2's {@code ScoringResult}: the scored tokens and each one's log probability.
 */
public record ScoringResult(List<String> tokens, List<Integer> tokenIds, List<Float> logProbs) {
    public ScoringResult {
        tokens = List.copyOf(tokens);
        tokenIds = List.copyOf(tokenIds);
        logProbs = List.copyOf(logProbs);
    }

    /** Sum of the log probabilities (float additions in order, as CTranslate2's {@code cumulated_score}). */
    public float cumulatedScore() {
        float sum = 0f;
        for (float p : logProbs) {
            sum += p;
        }
        return sum;
    }

    /** {@link #cumulatedScore()} divided by the number of tokens (0 for none). */
    public float normalizedScore() {
        return logProbs.isEmpty() ? 0f : cumulatedScore() / logProbs.size();
    }
}
