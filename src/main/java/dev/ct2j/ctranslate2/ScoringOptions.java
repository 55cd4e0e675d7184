package dev.ct2j.ctranslate2;

import java.util.Objects;

/**
 * The keyword arguments of CTranslate2's {@code score_batch}, with its Python defaults.
 *
 * @param maxInputLength truncate inputs after this many tokens (0: no truncation)
 * @param offset         the Translator's {@code offset}: skip scoring the first tokens of the target
 */
public record ScoringOptions(int maxInputLength, int offset, int maxBatchSize, BatchType batchType) {
    public ScoringOptions {
        Objects.requireNonNull(batchType, "batchType");
    }

    public static ScoringOptions defaults() {
        return new ScoringOptions(1024, 0, 0, BatchType.EXAMPLES);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int maxInputLength = 1024;
        private int offset = 0;
        private int maxBatchSize = 0;
        private BatchType batchType = BatchType.EXAMPLES;

        private Builder() {}

        public Builder maxInputLength(int v) { maxInputLength = v; return this; }
        public Builder offset(int v) { offset = v; return this; }
        public Builder maxBatchSize(int v) { maxBatchSize = v; return this; }
        public Builder batchType(BatchType v) { batchType = v; return this; }

        public ScoringOptions build() {
            return new ScoringOptions(maxInputLength, offset, maxBatchSize, batchType);
        }
    }
}
