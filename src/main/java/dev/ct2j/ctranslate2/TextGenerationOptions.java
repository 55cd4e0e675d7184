package dev.ct2j.ctranslate2;

import java.util.List;
import java.util.Objects;

/**
 * The keyword arguments of CTranslate2's {@code Generator.generate_batch}, with its Python
 * defaults. (Named apart from {@code dev.ct2j.engine.GenerationOptions}, Whisper's.) Values are
 * checked by the native side, which names the option it refuses.
 *
 * @param staticPrompt      a prompt prepended to every start sequence, its state cached if
 *                          {@code cacheStaticPrompt}; empty: none
 * @param endToken          tokens that end decoding; empty: the model's EOS
 * @param suppressSequences token sequences never generated
 */
public record TextGenerationOptions(int beamSize, float patience, int numHypotheses, float lengthPenalty,
                                    float repetitionPenalty, int noRepeatNgramSize, boolean disableUnk,
                                    List<List<String>> suppressSequences, List<String> endToken,
                                    boolean returnEndToken, int maxLength, int minLength, List<String> staticPrompt,
                                    boolean cacheStaticPrompt, boolean includePromptInResult, boolean returnScores,
                                    boolean returnAlternatives, float minAlternativeExpansionProb, int samplingTopk,
                                    float samplingTopp, float samplingTemperature, int maxBatchSize,
                                    BatchType batchType) {

    public TextGenerationOptions {
        suppressSequences = TranslationOptions.copy(suppressSequences, "suppressSequences");
        endToken = List.copyOf(Objects.requireNonNull(endToken, "endToken"));
        staticPrompt = List.copyOf(Objects.requireNonNull(staticPrompt, "staticPrompt"));
        Objects.requireNonNull(batchType, "batchType");
    }

    public static TextGenerationOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.beamSize = beamSize; b.patience = patience; b.numHypotheses = numHypotheses; b.lengthPenalty = lengthPenalty;
        b.repetitionPenalty = repetitionPenalty; b.noRepeatNgramSize = noRepeatNgramSize; b.disableUnk = disableUnk;
        b.suppressSequences = suppressSequences; b.endToken = endToken; b.returnEndToken = returnEndToken;
        b.maxLength = maxLength; b.minLength = minLength; b.staticPrompt = staticPrompt;
        b.cacheStaticPrompt = cacheStaticPrompt; b.includePromptInResult = includePromptInResult;
        b.returnScores = returnScores; b.returnAlternatives = returnAlternatives;
        b.minAlternativeExpansionProb = minAlternativeExpansionProb; b.samplingTopk = samplingTopk;
        b.samplingTopp = samplingTopp; b.samplingTemperature = samplingTemperature; b.maxBatchSize = maxBatchSize;
        b.batchType = batchType;
        return b;
    }

    public static final class Builder {
        private int beamSize = 1;
        private float patience = 1;
        private int numHypotheses = 1;
        private float lengthPenalty = 1;
        private float repetitionPenalty = 1;
        private int noRepeatNgramSize = 0;
        private boolean disableUnk;
        private List<List<String>> suppressSequences = List.of();
        private List<String> endToken = List.of();
        private boolean returnEndToken;
        private int maxLength = 512;
        private int minLength = 0;
        private List<String> staticPrompt = List.of();
        private boolean cacheStaticPrompt = true;
        private boolean includePromptInResult = true;
        private boolean returnScores;
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
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        public Builder noRepeatNgramSize(int v) { noRepeatNgramSize = v; return this; }
        public Builder disableUnk(boolean v) { disableUnk = v; return this; }
        public Builder suppressSequences(List<List<String>> v) { suppressSequences = v; return this; }
        public Builder endToken(List<String> v) { endToken = v; return this; }
        public Builder endToken(String v) { endToken = List.of(v); return this; }
        public Builder returnEndToken(boolean v) { returnEndToken = v; return this; }
        public Builder maxLength(int v) { maxLength = v; return this; }
        public Builder minLength(int v) { minLength = v; return this; }
        public Builder staticPrompt(List<String> v) { staticPrompt = v; return this; }
        public Builder cacheStaticPrompt(boolean v) { cacheStaticPrompt = v; return this; }
        public Builder includePromptInResult(boolean v) { includePromptInResult = v; return this; }
        public Builder returnScores(boolean v) { returnScores = v; return this; }
        public Builder returnAlternatives(boolean v) { returnAlternatives = v; return this; }
        public Builder minAlternativeExpansionProb(float v) { minAlternativeExpansionProb = v; return this; }
        public Builder samplingTopk(int v) { samplingTopk = v; return this; }
        public Builder samplingTopp(float v) { samplingTopp = v; return this; }
        public Builder samplingTemperature(float v) { samplingTemperature = v; return this; }
        public Builder maxBatchSize(int v) { maxBatchSize = v; return this; }
        public Builder batchType(BatchType v) { batchType = v; return this; }

        public TextGenerationOptions build() {
            return new TextGenerationOptions(beamSize, patience, numHypotheses, lengthPenalty, repetitionPenalty,
                    noRepeatNgramSize, disableUnk, suppressSequences, endToken, returnEndToken, maxLength, minLength,
                    staticPrompt, cacheStaticPrompt, includePromptInResult, returnScores, returnAlternatives,
                    minAlternativeExpansionProb, samplingTopk, samplingTopp, samplingTemperature, maxBatchSize,
                    batchType);
        }
    }
}
