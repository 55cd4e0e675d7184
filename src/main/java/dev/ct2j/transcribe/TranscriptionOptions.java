package dev.ct2j.transcribe;

import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.vad.VadOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every argument of faster-whisper 1.2.1's {@code WhisperModel.transcribe}, with its defaults.
 * Immutable; build with {@link #builder()}. The Javadoc of each builder method names the Python
 * argument. Nullable fields are Python's {@code None}.
 *
 * <p>{@code clipTimestamps} is null for faster-whisper's default {@code "0"}, which is also what
 * lets VAD run; any explicit clip list disables VAD, as in faster-whisper.
 */
public record TranscriptionOptions(
        String language, String task, int beamSize, int bestOf, double patience, double lengthPenalty,
        double repetitionPenalty, int noRepeatNgramSize, List<Double> temperatures, Double compressionRatioThreshold,
        Double logProbThreshold, Double noSpeechThreshold, boolean conditionOnPreviousText,
        double promptResetOnTemperature, String initialPrompt, List<Integer> initialPromptTokens, String prefix,
        boolean suppressBlank, List<Integer> suppressTokens, boolean withoutTimestamps, double maxInitialTimestamp,
        boolean wordTimestamps, String prependPunctuations, String appendPunctuations, boolean multilingual,
        boolean vadFilter, VadOptions vadParameters, Integer maxNewTokens, Integer chunkLength,
        List<Double> clipTimestamps, Double hallucinationSilenceThreshold, String hotwords,
        double languageDetectionThreshold, int languageDetectionSegments) {

    public static final List<Double> DEFAULT_TEMPERATURES = List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
    public static final String DEFAULT_PREPEND_PUNCTUATIONS = "\"'“¿([{-";
    public static final String DEFAULT_APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、";

    public TranscriptionOptions {
        require(task != null && (task.equals("transcribe") || task.equals("translate")),
                "task must be 'transcribe' or 'translate', got " + quote(task));
        require(beamSize >= 1, "beam_size must be >= 1, got " + beamSize);
        require(bestOf >= 1, "best_of must be >= 1, got " + bestOf);
        // CTranslate2 takes these as 32-bit floats: 1e39 would arrive as Infinity.
        require(patience > 0 && Float.isFinite((float) patience),
                "patience must be > 0 and within float range, got " + patience);
        require(Float.isFinite((float) lengthPenalty), "length_penalty must be finite, got " + lengthPenalty);
        require(repetitionPenalty > 0 && Float.isFinite((float) repetitionPenalty),
                "repetition_penalty must be > 0 and within float range, got " + repetitionPenalty);
        require(noRepeatNgramSize >= 0, "no_repeat_ngram_size must be >= 0, got " + noRepeatNgramSize);
        require(temperatures != null && !temperatures.isEmpty(), "temperature must not be empty, got " + temperatures);
        temperatures = List.copyOf(temperatures);
        for (double t : temperatures) {
            require(t >= 0 && Double.isFinite(t), "temperature must be finite and >= 0, got " + t);
        }
        require(initialPrompt == null || initialPromptTokens == null,
                "initial_prompt is either text or token ids, not both");
        initialPromptTokens = initialPromptTokens == null ? null : List.copyOf(initialPromptTokens);
        suppressTokens = suppressTokens == null ? null : List.copyOf(suppressTokens);
        require(maxInitialTimestamp >= 0, "max_initial_timestamp must be >= 0, got " + maxInitialTimestamp);
        require(prependPunctuations != null, "prepend_punctuations must be a string, got null");
        require(appendPunctuations != null, "append_punctuations must be a string, got null");
        require(maxNewTokens == null || maxNewTokens >= 1 && maxNewTokens <= GenerationOptions.MAX_LENGTH,
                "max_new_tokens must be in [1, " + GenerationOptions.MAX_LENGTH + "], got " + maxNewTokens);
        require(chunkLength == null || chunkLength >= 1 && chunkLength <= 30,
                "chunk_length must be in [1, 30] seconds, got " + chunkLength);
        if (clipTimestamps != null) {
            clipTimestamps = List.copyOf(clipTimestamps);
            for (double ts : clipTimestamps) {
                require(ts >= 0 && Double.isFinite(ts), "clip_timestamps must be finite and >= 0, got " + ts);
            }
        }
        require(hallucinationSilenceThreshold == null || hallucinationSilenceThreshold >= 0,
                "hallucination_silence_threshold must be >= 0, got " + hallucinationSilenceThreshold);
        require(Double.isFinite(languageDetectionThreshold),
                "language_detection_threshold must be a finite number, got " + languageDetectionThreshold);
        require(languageDetectionSegments >= 1,
                "language_detection_segments must be >= 1, got " + languageDetectionSegments);
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static TranscriptionOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Parses faster-whisper's clip_timestamps string "start,end,start,end,...". "0" is the default. */
    public static List<Double> parseClipTimestamps(String clips) {
        if (clips == null || clips.equals("0")) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        if (clips.isEmpty()) {
            return values;
        }
        for (String part : clips.split(",", -1)) {
            Double value = pythonFloat(part.strip());
            if (value == null) {
                throw new IllegalArgumentException("malformed clip_timestamps '" + clips + "': '" + part
                        + "' is not a number (expected \"start,end,start,end,...\" in seconds)");
            }
            values.add(value);
        }
        return values;
    }

    // Python's float(str), in ASCII digits: digits may be grouped by single underscores ("1_000"),
    // and inf, infinity and nan are read in any case. Double.parseDouble alone takes forms that
    // faster-whisper refuses with a ValueError ("5d", "1f", "0x1p4") and refuses "1_000" and "inf".
    // Scanned by hand: a regex with a repeated group recurses once per digit, and a long enough
    // number overflows the stack.
    private static Double pythonFloat(String s) {
        int i = s.startsWith("+") || s.startsWith("-") ? 1 : 0;
        String unsigned = s.substring(i).toLowerCase(Locale.ROOT);
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (unsigned.equals("nan")) {
            return Double.NaN;
        }
        int intEnd = digitPart(s, i);
        if (intEnd < 0) {
            return null;
        }
        boolean digits = intEnd > i;
        i = intEnd;
        if (i < s.length() && s.charAt(i) == '.') {
            int fracEnd = digitPart(s, i + 1);
            if (fracEnd < 0) {
                return null;
            }
            digits |= fracEnd > i + 1;
            i = fracEnd;
        }
        if (!digits) {
            return null;
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expEnd = digitPart(s, i);
            if (expEnd <= i) {
                return null;
            }
            i = expEnd;
        }
        return i == s.length() ? Double.parseDouble(s.replace("_", "")) : null;
    }

    // The end of a run of ASCII digits starting at from, each underscore between two digits; -1
    // for a misplaced underscore.
    private static int digitPart(String s, int from) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                i++;
            } else if (c == '_' && i > from && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '9') {
                i++;
            } else if (c == '_') {
                return -1;
            } else {
                break;
            }
        }
        return i;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.language = language; b.task = task; b.beamSize = beamSize; b.bestOf = bestOf; b.patience = patience;
        b.lengthPenalty = lengthPenalty; b.repetitionPenalty = repetitionPenalty;
        b.noRepeatNgramSize = noRepeatNgramSize; b.temperatures = temperatures;
        b.compressionRatioThreshold = compressionRatioThreshold; b.logProbThreshold = logProbThreshold;
        b.noSpeechThreshold = noSpeechThreshold; b.conditionOnPreviousText = conditionOnPreviousText;
        b.promptResetOnTemperature = promptResetOnTemperature; b.initialPrompt = initialPrompt;
        b.initialPromptTokens = initialPromptTokens; b.prefix = prefix; b.suppressBlank = suppressBlank;
        b.suppressTokens = suppressTokens; b.withoutTimestamps = withoutTimestamps;
        b.maxInitialTimestamp = maxInitialTimestamp; b.wordTimestamps = wordTimestamps;
        b.prependPunctuations = prependPunctuations; b.appendPunctuations = appendPunctuations;
        b.multilingual = multilingual; b.vadFilter = vadFilter; b.vadParameters = vadParameters;
        b.maxNewTokens = maxNewTokens; b.chunkLength = chunkLength; b.clipTimestamps = clipTimestamps;
        b.hallucinationSilenceThreshold = hallucinationSilenceThreshold; b.hotwords = hotwords;
        b.languageDetectionThreshold = languageDetectionThreshold;
        b.languageDetectionSegments = languageDetectionSegments;
        return b;
    }

    /** Builder with faster-whisper's sequential defaults. */
    public static final class Builder {
        private String language;
        private String task = "transcribe";
        private int beamSize = 5;
        private int bestOf = 5;
        private double patience = 1;
        private double lengthPenalty = 1;
        private double repetitionPenalty = 1;
        private int noRepeatNgramSize;
        private List<Double> temperatures = DEFAULT_TEMPERATURES;
        private Double compressionRatioThreshold = 2.4;
        private Double logProbThreshold = -1.0;
        private Double noSpeechThreshold = 0.6;
        private boolean conditionOnPreviousText = true;
        private double promptResetOnTemperature = 0.5;
        private String initialPrompt;
        private List<Integer> initialPromptTokens;
        private String prefix;
        private boolean suppressBlank = true;
        private List<Integer> suppressTokens = List.of(-1);
        private boolean withoutTimestamps;
        private double maxInitialTimestamp = 1.0;
        private boolean wordTimestamps;
        private String prependPunctuations = DEFAULT_PREPEND_PUNCTUATIONS;
        private String appendPunctuations = DEFAULT_APPEND_PUNCTUATIONS;
        private boolean multilingual;
        private boolean vadFilter;
        private VadOptions vadParameters;
        private Integer maxNewTokens;
        private Integer chunkLength;
        private List<Double> clipTimestamps;
        private Double hallucinationSilenceThreshold;
        private String hotwords;
        private double languageDetectionThreshold = 0.5;
        private int languageDetectionSegments = 1;

        private Builder() {}

        /** {@code language}: a code such as "en"; null detects it. */
        public Builder language(String value) { this.language = value; return this; }
        /** {@code task}: "transcribe" or "translate". */
        public Builder task(String value) { this.task = value; return this; }
        public Builder beamSize(int value) { this.beamSize = value; return this; }
        public Builder bestOf(int value) { this.bestOf = value; return this; }
        public Builder patience(double value) { this.patience = value; return this; }
        public Builder lengthPenalty(double value) { this.lengthPenalty = value; return this; }
        public Builder repetitionPenalty(double value) { this.repetitionPenalty = value; return this; }
        public Builder noRepeatNgramSize(int value) { this.noRepeatNgramSize = value; return this; }
        /** {@code temperature} as a schedule tried in order on fallback. */
        public Builder temperatures(List<Double> value) { this.temperatures = value; return this; }
        /** {@code temperature} as a single value. */
        public Builder temperature(double value) { this.temperatures = List.of(value); return this; }
        public Builder compressionRatioThreshold(Double value) { this.compressionRatioThreshold = value; return this; }
        public Builder logProbThreshold(Double value) { this.logProbThreshold = value; return this; }
        public Builder noSpeechThreshold(Double value) { this.noSpeechThreshold = value; return this; }
        public Builder conditionOnPreviousText(boolean value) { this.conditionOnPreviousText = value; return this; }
        public Builder promptResetOnTemperature(double value) { this.promptResetOnTemperature = value; return this; }
        /** {@code initial_prompt} as text. */
        public Builder initialPrompt(String value) { this.initialPrompt = value; this.initialPromptTokens = null; return this; }
        /** {@code initial_prompt} as token ids. */
        public Builder initialPromptTokens(List<Integer> value) { this.initialPromptTokens = value; this.initialPrompt = null; return this; }
        public Builder prefix(String value) { this.prefix = value; return this; }
        public Builder suppressBlank(boolean value) { this.suppressBlank = value; return this; }
        /** {@code suppress_tokens}: -1 expands to the non-speech tokens; null or [] suppress nothing. */
        public Builder suppressTokens(List<Integer> value) { this.suppressTokens = value; return this; }
        public Builder withoutTimestamps(boolean value) { this.withoutTimestamps = value; return this; }
        public Builder maxInitialTimestamp(double value) { this.maxInitialTimestamp = value; return this; }
        public Builder wordTimestamps(boolean value) { this.wordTimestamps = value; return this; }
        public Builder prependPunctuations(String value) { this.prependPunctuations = value; return this; }
        public Builder appendPunctuations(String value) { this.appendPunctuations = value; return this; }
        public Builder multilingual(boolean value) { this.multilingual = value; return this; }
        public Builder vadFilter(boolean value) { this.vadFilter = value; return this; }
        public Builder vadParameters(VadOptions value) { this.vadParameters = value; return this; }
        public Builder maxNewTokens(Integer value) { this.maxNewTokens = value; return this; }
        public Builder chunkLength(Integer value) { this.chunkLength = value; return this; }
        /** {@code clip_timestamps} as a list of seconds: start, end, start, end, ... */
        public Builder clipTimestamps(List<Double> value) { this.clipTimestamps = value; return this; }
        /** {@code clip_timestamps} as faster-whisper's string form, e.g. "0,10.5,20". */
        public Builder clipTimestamps(String value) { this.clipTimestamps = parseClipTimestamps(value); return this; }
        public Builder hallucinationSilenceThreshold(Double value) { this.hallucinationSilenceThreshold = value; return this; }
        public Builder hotwords(String value) { this.hotwords = value; return this; }
        public Builder languageDetectionThreshold(double value) { this.languageDetectionThreshold = value; return this; }
        public Builder languageDetectionSegments(int value) { this.languageDetectionSegments = value; return this; }

        public TranscriptionOptions build() {
            return new TranscriptionOptions(language, task, beamSize, bestOf, patience, lengthPenalty,
                    repetitionPenalty, noRepeatNgramSize, temperatures, compressionRatioThreshold, logProbThreshold,
                    noSpeechThreshold, conditionOnPreviousText, promptResetOnTemperature, initialPrompt,
                    initialPromptTokens, prefix, suppressBlank, suppressTokens, withoutTimestamps, maxInitialTimestamp,
                    wordTimestamps, prependPunctuations, appendPunctuations, multilingual, vadFilter, vadParameters,
                    maxNewTokens, chunkLength, clipTimestamps, hallucinationSilenceThreshold, hotwords,
                    languageDetectionThreshold, languageDetectionSegments);
        }
    }
}
