package dev.ct2j.engine;

import java.util.List;
import java.util.Objects;

/**
 * CTranslate2's {@code WhisperOptions}, with its defaults. Immutable; build with {@link #builder()}.
 *
 * @param suppressTokens ids to suppress; [-1] (the default) means config.json's suppress_ids, and
 *                       an empty list means no suppression at all
 */
public record GenerationOptions(int beamSize, float patience, float lengthPenalty, float repetitionPenalty,
                                int noRepeatNgramSize, int maxLength, int samplingTopk, float samplingTemperature,
                                int numHypotheses, boolean returnScores, boolean returnNoSpeechProb,
                                int maxInitialTimestampIndex, boolean suppressBlank, List<Integer> suppressTokens) {

    /** The most tokens Whisper's decoder takes (prompt and output together). */
    public static final int MAX_LENGTH = 448;

    public GenerationOptions {
        suppressTokens = List.copyOf(Objects.requireNonNull(suppressTokens, "suppressTokens"));
        require(beamSize >= 1, "beamSize must be >= 1, got " + beamSize);
        require(patience > 0, "patience must be > 0, got " + patience);
        require(repetitionPenalty > 0, "repetitionPenalty must be > 0, got " + repetitionPenalty);
        require(noRepeatNgramSize >= 0, "noRepeatNgramSize must be >= 0, got " + noRepeatNgramSize);
        require(maxLength >= 1 && maxLength <= MAX_LENGTH,
                "maxLength must be in [1, " + MAX_LENGTH + "], got " + maxLength);
        require(samplingTopk >= 0, "samplingTopk must be >= 0, got " + samplingTopk);
        require(samplingTemperature >= 0, "samplingTemperature must be >= 0, got " + samplingTemperature);
        require(numHypotheses >= 1, "numHypotheses must be >= 1, got " + numHypotheses);
        require(maxInitialTimestampIndex >= 0, "maxInitialTimestampIndex must be >= 0, got " + maxInitialTimestampIndex);
        for (int id : suppressTokens) {
            require(id >= -1, "suppressTokens may hold -1 or token ids, got " + id);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static GenerationOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().beamSize(beamSize).patience(patience).lengthPenalty(lengthPenalty)
                .repetitionPenalty(repetitionPenalty).noRepeatNgramSize(noRepeatNgramSize).maxLength(maxLength)
                .samplingTopk(samplingTopk).samplingTemperature(samplingTemperature).numHypotheses(numHypotheses)
                .returnScores(returnScores).returnNoSpeechProb(returnNoSpeechProb)
                .maxInitialTimestampIndex(maxInitialTimestampIndex).suppressBlank(suppressBlank)
                .suppressTokens(suppressTokens);
    }

    public static final class Builder {
        private int beamSize = 5;
        private float patience = 1;
        private float lengthPenalty = 1;
        private float repetitionPenalty = 1;
        private int noRepeatNgramSize;
        private int maxLength = MAX_LENGTH;
        private int samplingTopk = 1;
        private float samplingTemperature = 1;
        private int numHypotheses = 1;
        private boolean returnScores;
        private boolean returnNoSpeechProb;
        private int maxInitialTimestampIndex = 50;
        private boolean suppressBlank = true;
        private List<Integer> suppressTokens = List.of(-1);

        private Builder() {}

        public Builder beamSize(int value) { this.beamSize = value; return this; }
        public Builder patience(float value) { this.patience = value; return this; }
        public Builder lengthPenalty(float value) { this.lengthPenalty = value; return this; }
        public Builder repetitionPenalty(float value) { this.repetitionPenalty = value; return this; }
        public Builder noRepeatNgramSize(int value) { this.noRepeatNgramSize = value; return this; }
        public Builder maxLength(int value) { this.maxLength = value; return this; }
        public Builder samplingTopk(int value) { this.samplingTopk = value; return this; }
        public Builder samplingTemperature(float value) { this.samplingTemperature = value; return this; }
        public Builder numHypotheses(int value) { this.numHypotheses = value; return this; }
        public Builder returnScores(boolean value) { this.returnScores = value; return this; }
        public Builder returnNoSpeechProb(boolean value) { this.returnNoSpeechProb = value; return this; }
        public Builder maxInitialTimestampIndex(int value) { this.maxInitialTimestampIndex = value; return this; }
        public Builder suppressBlank(boolean value) { this.suppressBlank = value; return this; }
        public Builder suppressTokens(List<Integer> value) { this.suppressTokens = value; return this; }

        public GenerationOptions build() {
            return new GenerationOptions(beamSize, patience, lengthPenalty, repetitionPenalty, noRepeatNgramSize,
                    maxLength, samplingTopk, samplingTemperature, numHypotheses, returnScores, returnNoSpeechProb,
                    maxInitialTimestampIndex, suppressBlank, suppressTokens);
        }
    }
}
