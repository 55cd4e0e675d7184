package dev.ct2j.vad;

/**
 * Silero VAD parameters: faster-whisper's {@code VadOptions}, with its defaults.
 *
 * @param negThreshold null means max(threshold - 0.15, 0.01)
 */
public record VadOptions(double threshold, Double negThreshold, int minSpeechDurationMs, double maxSpeechDurationS,
                         int minSilenceDurationMs, int speechPadMs) {

    public VadOptions {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("VAD threshold must be in [0, 1], got " + threshold);
        }
        if (negThreshold != null && !(negThreshold >= 0 && negThreshold <= 1)) {
            throw new IllegalArgumentException("VAD neg_threshold must be in [0, 1], got " + negThreshold);
        }
        requireNonNegative("min_speech_duration_ms", minSpeechDurationMs);
        requireNonNegative("min_silence_duration_ms", minSilenceDurationMs);
        requireNonNegative("speech_pad_ms", speechPadMs);
        if (!(maxSpeechDurationS > 0)) {
            throw new IllegalArgumentException("VAD max_speech_duration_s must be > 0, got " + maxSpeechDurationS);
        }
    }

    private static void requireNonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("VAD " + name + " must be >= 0, got " + value);
        }
    }

    public static VadOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().threshold(threshold).negThreshold(negThreshold).minSpeechDurationMs(minSpeechDurationMs)
                .maxSpeechDurationS(maxSpeechDurationS).minSilenceDurationMs(minSilenceDurationMs)
                .speechPadMs(speechPadMs);
    }

    public static final class Builder {
        private double threshold = 0.5;
        private Double negThreshold;
        private int minSpeechDurationMs;
        private double maxSpeechDurationS = Double.POSITIVE_INFINITY;
        private int minSilenceDurationMs = 2000;
        private int speechPadMs = 400;

        private Builder() {}

        public Builder threshold(double value) { this.threshold = value; return this; }
        public Builder negThreshold(Double value) { this.negThreshold = value; return this; }
        public Builder minSpeechDurationMs(int value) { this.minSpeechDurationMs = value; return this; }
        public Builder maxSpeechDurationS(double value) { this.maxSpeechDurationS = value; return this; }
        public Builder minSilenceDurationMs(int value) { this.minSilenceDurationMs = value; return this; }
        public Builder speechPadMs(int value) { this.speechPadMs = value; return this; }

        public VadOptions build() {
            return new VadOptions(threshold, negThreshold, minSpeechDurationMs, maxSpeechDurationS,
                    minSilenceDurationMs, speechPadMs);
        }
    }
}
