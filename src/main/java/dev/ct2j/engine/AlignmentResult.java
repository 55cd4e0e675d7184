package dev.ct2j.engine;

import java.util.List;

/**
 * One batch item of {@code align}: CTranslate2's WhisperAlignmentResult.
 *
 * @param alignments     the DTW path as (text index, time index) pairs
 * @param textTokenProbs per text token, its probability
 */
public record AlignmentResult(List<TokenTime> alignments, List<Float> textTokenProbs) {
    public AlignmentResult {
        alignments = List.copyOf(alignments);
        textTokenProbs = List.copyOf(textTokenProbs);
    }

    public record TokenTime(long textIndex, long timeIndex) {}
}
