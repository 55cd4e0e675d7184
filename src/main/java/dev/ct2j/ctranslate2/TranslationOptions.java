package dev.ct2j.ctranslate2;

import java.util.List;
import java.util.Objects;

/**
 * The keyword arguments of CTranslate2's {@code Translator.translate_batch}, with its Python
 * defaults ({@code TranslationOptions.defaults()}, {@code builder().beamSize(4).build()}).
 * Values are checked by the native side, which names the option it refuses.
 *
 * @param endToken          tokens that end decoding; empty: the model's EOS
 * @param suppressSequences token sequences never generated
 */
public record TranslationOptions(int beamSize, float patience, int numHypotheses, float lengthPenalty,
                                 float coveragePenalty, float repetitionPenalty, int noRepeatNgramSize,
                                 boolean disableUnk, List<List<String>> suppressSequences, List<String> endToken,
                                 boolean returnEndToken, float prefixBiasBeta, int maxInputLength,
                                 int maxDecodingLength, int minDecodingLength, boolean useVmap, boolean returnScores,
                                 boolean returnAttention, boolean returnAlternatives,
                                 float minAlternativeExpansionProb, int samplingTopk, float samplingTopp,
                                 float samplingTemperature, int maxBatchSize, BatchType batchType) {

    public TranslationOptions {
        suppressSequences = copy(suppressSequences, "suppressSequences");
        endToken = List.copyOf(Objects.requireNonNull(endToken, "endToken"));
        Objects.requireNonNull(batchType, "batchType");
    }

    static List<List<String>> copy(List<List<String>> lists, String name) {
        Objects.requireNonNull(lists, name);
        return lists.stream().map(l -> List.copyOf(Objects.requireNonNull(l, name + " must not contain null"))).toList();
    }

    public static TranslationOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.beamSize = beamSize; b.patience = patience; b.numHypotheses = numHypotheses; b.lengthPenalty = lengthPenalty;
        b.coveragePenalty = coveragePenalty; b.repetitionPenalty = repetitionPenalty;
        b.noRepeatNgramSize = noRepeatNgramSize; b.disableUnk = disableUnk; b.suppressSequences = suppressSequences;
        b.endToken = endToken; b.returnEndToken = returnEndToken; b.prefixBiasBeta = prefixBiasBeta;
        b.maxInputLength = maxInputLength; b.maxDecodingLength = maxDecodingLength;
        b.minDecodingLength = minDecodingLength; b.useVmap = useVmap; b.returnScores = returnScores;
        b.returnAttention = returnAttention; b.returnAlternatives = returnAlternatives;
        b.minAlternativeExpansionProb = minAlternativeExpansionProb; b.samplingTopk = samplingTopk;
        b.samplingTopp = samplingTopp; b.samplingTemperature = samplingTemperature; b.maxBatchSize = maxBatchSize;
        b.batchType = batchType;
        return b;
    }

    public static final class Builder {
        private int beamSize = 2;
        private float patience = 1;
        private int numHypotheses = 1;
        private float lengthPenalty = 1;
        private float coveragePenalty = 0;
        private float repetitionPenalty = 1;
        private int noRepeatNgramSize = 0;
        private boolean disableUnk;
        private List<List<String>> suppressSequences = List.of();
        private List<String> endToken = List.of();
        private boolean returnEndToken;
        private float prefixBiasBeta = 0;
        private int maxInputLength = 1024;
        private int maxDecodingLength = 256;
        private int minDecodingLength = 1;
        private boolean useVmap;
        private boolean returnScores;
        private boolean returnAttention;
        private boolean returnAlternatives;
        private float minAlternativeExpansionProb = 0;
        private int samplingTopk = 1;
        private float samplingTopp = 1;
        private float samplingTemperature = 1;
        private int maxBatchSize = 0;
        private BatchType batchType = BatchType.EXAMPLES;

        private Builder() {}

        public Builder beamSize(int v) { beamSize = v; return this; }
        public Builder patience(float v) { patience = v; return this; }
        public Builder numHypotheses(int v) { numHypotheses = v; return this; }
        public Builder lengthPenalty(float v) { lengthPenalty = v; return this; }
        public Builder coveragePenalty(float v) { coveragePenalty = v; return this; }
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        public Builder noRepeatNgramSize(int v) { noRepeatNgramSize = v; return this; }
        public Builder disableUnk(boolean v) { disableUnk = v; return this; }
        public Builder suppressSequences(List<List<String>> v) { suppressSequences = v; return this; }
        public Builder endToken(List<String> v) { endToken = v; return this; }
        public Builder endToken(String v) { endToken = List.of(v); return this; }
        public Builder returnEndToken(boolean v) { returnEndToken = v; return this; }
        public Builder prefixBiasBeta(float v) { prefixBiasBeta = v; return this; }
        public Builder maxInputLength(int v) { maxInputLength = v; return this; }
        public Builder maxDecodingLength(int v) { maxDecodingLength = v; return this; }
        public Builder minDecodingLength(int v) { minDecodingLength = v; return this; }
        public Builder useVmap(boolean v) { useVmap = v; return this; }
        public Builder returnScores(boolean v) { returnScores = v; return this; }
        public Builder returnAttention(boolean v) { returnAttention = v; return this; }
        public Builder returnAlternatives(boolean v) { returnAlternatives = v; return this; }
        public Builder minAlternativeExpansionProb(float v) { minAlternativeExpansionProb = v; return this; }
        public Builder samplingTopk(int v) { samplingTopk = v; return this; }
        public Builder samplingTopp(float v) { samplingTopp = v; return this; }
        public Builder samplingTemperature(float v) { samplingTemperature = v; return this; }
        public Builder maxBatchSize(int v) { maxBatchSize = v; return this; }
        public Builder batchType(BatchType v) { batchType = v; return this; }

        public TranslationOptions build() {
            return new TranslationOptions(beamSize, patience, numHypotheses, lengthPenalty, coveragePenalty,
                    repetitionPenalty, noRepeatNgramSize, disableUnk, suppressSequences, endToken, returnEndToken,
                    prefixBiasBeta, maxInputLength, maxDecodingLength, minDecodingLength, useVmap, returnScores,
                    returnAttention, returnAlternatives, minAlternativeExpansionProb, samplingTopk, samplingTopp,
                    samplingTemperature, maxBatchSize, batchType);
        }
    }
}
