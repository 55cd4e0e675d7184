package dev.ct2j.ctranslate2;

/** What {@code maxBatchSize} counts: CTranslate2's {@code batch_type}, "examples" or "tokens". */
public enum BatchType {
    EXAMPLES, TOKENS;

    int code() {
        return this == TOKENS ? dev.ct2j.bindings.ct2j_h.CT2J_BATCH_TOKENS() : dev.ct2j.bindings.ct2j_h.CT2J_BATCH_EXAMPLES();
    }
}
