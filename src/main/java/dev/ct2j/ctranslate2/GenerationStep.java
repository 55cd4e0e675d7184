package dev.ct2j.ctranslate2;

/**
 * One token of a stream, CTranslate2's {@code GenerationStepResult}.
 *
 * @param logProb the token's log probability when asked for ({@code returnScores}), else null
 * @param isLast  the last token of its sequence
 */
public record GenerationStep(int step, int batchId, int tokenId, int hypothesisId, String token, Float logProb,
                             boolean isLast) {}
