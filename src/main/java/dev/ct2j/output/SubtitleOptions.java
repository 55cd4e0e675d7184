package dev.ct2j.output;

/**
 * How the SRT and VTT writers cut words into cues: whisper-ctranslate2's (and openai-whisper's)
 * {@code --highlight_words}, {@code --max_line_width}, {@code --max_line_count} and
 * {@code --max_words_per_line}. They apply only to segments with word timestamps; a null limit
 * is the option left out.
 *
 * <p>Segment boundaries are kept unless all three limits are given: then words flow across
 * segments into lines of at most {@code maxLineWidth} characters, {@code maxLineCount} lines a
 * cue, and a pause over 3 s starts a new cue.
 *
 * @param highlightWords  one cue per word, the word underlined ({@code <u>}); gaps between words
 *                        get a cue of the plain text
 * @param maxLineWidth    characters (code points) per line before a line break
 * @param maxLineCount    lines per cue before a new cue
 * @param maxWordsPerLine words per chunk of a segment; must be positive
 */
public record SubtitleOptions(boolean highlightWords, Integer maxLineWidth, Integer maxLineCount,
                              Integer maxWordsPerLine) {
    private static final SubtitleOptions DEFAULTS = builder().build();

    public SubtitleOptions {
        // whisper-ctranslate2 loops forever on 0 (its chunk index never advances): refuse it.
        if (maxWordsPerLine != null && maxWordsPerLine < 1) {
            throw new IllegalArgumentException("max_words_per_line must be at least 1, got " + maxWordsPerLine);
        }
    }

    /** No highlighting, no limits: one cue per segment. */
    public static SubtitleOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().highlightWords(highlightWords).maxLineWidth(maxLineWidth).maxLineCount(maxLineCount)
                .maxWordsPerLine(maxWordsPerLine);
    }

    /**
     * Whether an option is set that whisper-ctranslate2 refuses without word timestamps: it tests
     * them for truth, so a limit of 0 passes.
     */
    public boolean needsWords() {
        return highlightWords || isSet(maxLineWidth) || isSet(maxLineCount) || isSet(maxWordsPerLine);
    }

    private static boolean isSet(Integer limit) {
        return limit != null && limit != 0;
    }

    public static final class Builder {
        private boolean highlightWords;
        private Integer maxLineWidth;
        private Integer maxLineCount;
        private Integer maxWordsPerLine;

        private Builder() {}

        public Builder highlightWords(boolean value) {
            highlightWords = value;
            return this;
        }

        public Builder maxLineWidth(Integer value) {
            maxLineWidth = value;
            return this;
        }

        public Builder maxLineCount(Integer value) {
            maxLineCount = value;
            return this;
        }

        public Builder maxWordsPerLine(Integer value) {
            maxWordsPerLine = value;
            return this;
        }

        public SubtitleOptions build() {
            return new SubtitleOptions(highlightWords, maxLineWidth, maxLineCount, maxWordsPerLine);
        }
    }
}
