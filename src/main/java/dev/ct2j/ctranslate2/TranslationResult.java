package dev.ct2j.ctranslate2;

import java.util.List;

/**
 * CTranslate2's {@code TranslationResult} for one batch item.
 *
 * @param hypotheses    target tokens of each hypothesis, best first
 * @param hypothesesIds the same as vocabulary ids
 * @param scores        one per hypothesis if {@code returnScores}, else empty
 * @param attention     per hypothesis, [target step][source position], if {@code returnAttention}, else empty
 */
public record TranslationResult(List<List<String>> hypotheses, List<List<Integer>> hypothesesIds, List<Float> scores,
                                List<List<List<Float>>> attention) {
    public TranslationResult {
        hypotheses = List.copyOf(hypotheses);
        hypothesesIds = List.copyOf(hypothesesIds);
        scores = List.copyOf(scores);
        attention = List.copyOf(attention);
    }
}
