package dev.ct2j.transcribe;

import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.LanguageProbability;
import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.tokenizer.WhisperTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the sequential ({@link SegmentGenerator}) and the batched ({@link BatchedInferencePipeline})
 * pipelines share to decode a window: faster-whisper's {@code WhisperModel} helpers that both of
 * its {@code transcribe} methods call ({@link #getPrompt}, {@link #splitSegmentsByTimestamps}, the
 * max_length check and the average log-prob), and the language prelude both run before decoding.
 * Stateless functions, as in transcribe.py, so neither pipeline owns the other's parts.
 */
final class WindowDecoding {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    static final int MAX_LENGTH = GenerationOptions.MAX_LENGTH;
    static final int INPUT_STRIDE = 2;
    static final double TIME_PRECISION = 0.02;

    private WindowDecoding() {}

    // ---- the language prelude of transcribe ---------------------------------------------------

    /** {@code multilingual}, turned off (with faster-whisper's warning) on an English-only model. */
    static boolean multilingual(boolean multilingual, boolean multilingualModel) {
        if (multilingual && !multilingualModel) {
            LOG.log(System.Logger.Level.WARNING, "The current model is English-only but the multilingual parameter"
                    + " is set to True; setting to False instead.");
            return false;
        }
        return multilingual;
    }

    /**
     * The language a transcription runs in, as TranscriptionInfo reports it.
     *
     * @param allLanguageProbs null unless the language was detected
     * @param detectionWindow  the first window detection encoded, when the caller kept it (it owns it)
     */
    record ChosenLanguage(String language, double languageProbability, List<LanguageProbability> allLanguageProbs,
                          EncodedWindow detectionWindow) {}

    /**
     * transcribe's language step: the given language (English on an English-only model, with
     * faster-whisper's warning), English for an English-only model, or else {@code detect}'s.
     */
    static ChosenLanguage chooseLanguage(String language, boolean multilingualModel,
                                         Supplier<WhisperModel.Detected> detect) {
        if (language == null) {
            if (!multilingualModel) {
                return new ChosenLanguage("en", 1, null, null);
            }
            WhisperModel.Detected detected = detect.get();
            LanguageDetection detection = detected.detection();
            LOG.log(System.Logger.Level.DEBUG, "Detected language ''{0}'' with probability {1}",
                    detection.language(), String.format("%.2f", detection.languageProbability()));
            return new ChosenLanguage(detection.language(), detection.languageProbability(),
                    detection.allLanguageProbs(), detected.firstWindow());
        }
        if (!multilingualModel && !language.equals("en")) {
            LOG.log(System.Logger.Level.WARNING, "The current model is English-only but the language parameter is"
                    + " set to ''{0}''; using ''en'' instead.", language);
            language = "en";
        }
        return new ChosenLanguage(language, 1, null, null);
    }

    // ---- one window ---------------------------------------------------------------------------

    /** The decoder's max_length for a prompt, checked against Whisper's 448 as faster-whisper does. */
    static int maxLength(int promptSize, Integer maxNewTokens) {
        int maxLength = maxNewTokens != null ? promptSize + maxNewTokens : MAX_LENGTH;
        if (maxLength > MAX_LENGTH) {
            throw new IllegalArgumentException("The length of the prompt is " + promptSize
                    + ", and the max_new_tokens " + (maxLength - promptSize) + ". Thus, the combined length of"
                    + " the prompt and max_new_tokens is: " + maxLength + ". This exceeds the max_length of the"
                    + " Whisper model: " + MAX_LENGTH + ". You should either reduce the length of your prompt, or"
                    + " reduce the value of max_new_tokens, so that their combined length is less that "
                    + MAX_LENGTH + ".");
        }
        return maxLength;
    }

    /**
     * Fails, as faster-whisper does, on a prompt CTranslate2 cannot start from, with a message that
     * says why: it runs the tokens before the last task token (the previous text and hotwords, then
     * the {@code <|startoftranscript|>} sequence) through the decoder at once and throws past its
     * 448 position embeddings ("No position encodings are defined for positions >= 448"). get_prompt
     * keeps up to 223 tokens of previous text (or initial_prompt) and 223 of hotwords, so only the
     * two together get there; a long prefix comes after and is cut to max_length, which is no error.
     */
    static void checkPromptFits(List<Integer> prompt, WhisperTokenizer tokenizer) {
        int end = prompt.indexOf(tokenizer.sot());
        if (end < 0) {
            return; // not a prompt get_prompt makes; the shim refuses it
        }
        while (end < prompt.size() && prompt.get(end) >= tokenizer.sot() && prompt.get(end) <= tokenizer.noTimestamps()) {
            end++;
        }
        int context = end - 1;
        if (context > MAX_LENGTH) {
            throw new IllegalArgumentException("The prompt has " + context + " tokens before the transcription starts,"
                    + " more than the " + MAX_LENGTH + " positions of the Whisper decoder: hotwords and the previous"
                    + " text (initial_prompt included) keep up to " + (MAX_LENGTH / 2 - 1) + " tokens each; shorten"
                    + " hotwords or initial_prompt.");
        }
    }

    static List<Integer> getPrompt(WhisperTokenizer tokenizer, List<Integer> previousTokens, boolean withoutTimestamps,
                                   String prefix, String hotwords) {
        List<Integer> prompt = new ArrayList<>();
        boolean hasHotwords = hotwords != null && !hotwords.isEmpty();
        boolean hasPrefix = prefix != null && !prefix.isEmpty();
        if (!previousTokens.isEmpty() || hasHotwords && !hasPrefix) {
            prompt.add(tokenizer.sotPrev());
            if (hasHotwords && !hasPrefix) {
                List<Integer> hotwordsTokens = tokenizer.encode(" " + PythonText.strip(hotwords));
                if (hotwordsTokens.size() >= MAX_LENGTH / 2) {
                    hotwordsTokens = hotwordsTokens.subList(0, MAX_LENGTH / 2 - 1);
                }
                prompt.addAll(hotwordsTokens);
            }
            if (!previousTokens.isEmpty()) {
                int keep = MAX_LENGTH / 2 - 1;
                prompt.addAll(previousTokens.subList(Math.max(0, previousTokens.size() - keep), previousTokens.size()));
            }
        }
        prompt.addAll(tokenizer.sotSequence());
        if (withoutTimestamps) {
            prompt.add(tokenizer.noTimestamps());
        }
        if (hasPrefix) {
            List<Integer> prefixTokens = tokenizer.encode(" " + PythonText.strip(prefix));
            if (prefixTokens.size() >= MAX_LENGTH / 2) {
                prefixTokens = prefixTokens.subList(0, MAX_LENGTH / 2 - 1);
            }
            if (!withoutTimestamps) {
                prompt.add(tokenizer.timestampBegin());
            }
            prompt.addAll(prefixTokens);
        }
        return prompt;
    }

    /** The average log-prob of a hypothesis, recovered from CTranslate2's length-normalised score. */
    static double avgLogprob(float score, int seqLen, double lengthPenalty) {
        double cumLogprob = (double) score * Math.pow(seqLen, lengthPenalty);
        return cumLogprob / (seqLen + 1);
    }

    /** A sub-segment of one window before it becomes a {@link Segment}; words are filled in place. */
    static final class WindowSegment {
        final int seek;
        double start;
        double end;
        final List<Integer> tokens;
        List<Word> words = List.of();
        // Set when word timestamps replaced start/end with a word's time: a numpy float64 in
        // faster-whisper, which Python's round() then rounds the numpy way.
        boolean startFromWord;
        boolean endFromWord;

        WindowSegment(int seek, double start, double end, List<Integer> tokens) {
            this.seek = seek;
            this.start = start;
            this.end = end;
            this.tokens = List.copyOf(tokens);
        }
    }

    record Split(List<WindowSegment> segments, int seek, boolean singleTimestampEnding) {}

    static Split splitSegmentsByTimestamps(int timestampBegin, List<Integer> tokens, double timeOffset,
                                           int segmentSize, double segmentDuration, int seek) {
        List<WindowSegment> currentSegments = new ArrayList<>();
        int n = tokens.size();
        boolean singleTimestampEnding = n >= 2 && tokens.get(n - 2) < timestampBegin && timestampBegin <= tokens.get(n - 1);
        List<Integer> consecutiveTimestamps = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            if (tokens.get(i) >= timestampBegin && tokens.get(i - 1) >= timestampBegin) {
                consecutiveTimestamps.add(i);
            }
        }
        if (!consecutiveTimestamps.isEmpty()) {
            List<Integer> slices = new ArrayList<>(consecutiveTimestamps);
            if (singleTimestampEnding) {
                slices.add(n);
            }
            int lastSlice = 0;
            for (int currentSlice : slices) {
                List<Integer> sliced = tokens.subList(lastSlice, currentSlice);
                int startPosition = sliced.getFirst() - timestampBegin;
                int endPosition = sliced.getLast() - timestampBegin;
                currentSegments.add(new WindowSegment(seek, timeOffset + startPosition * TIME_PRECISION,
                        timeOffset + endPosition * TIME_PRECISION, sliced));
                lastSlice = currentSlice;
            }
            if (singleTimestampEnding) {
                seek += segmentSize; // no speech after the last timestamp
            } else {
                seek += (tokens.get(lastSlice - 1) - timestampBegin) * INPUT_STRIDE; // resume at the last complete timestamp
            }
        } else {
            double duration = segmentDuration;
            Integer lastTimestamp = null;
            for (int token : tokens) {
                if (token >= timestampBegin) {
                    lastTimestamp = token;
                }
            }
            if (lastTimestamp != null && lastTimestamp != timestampBegin) {
                duration = (lastTimestamp - timestampBegin) * TIME_PRECISION;
            }
            currentSegments.add(new WindowSegment(seek, timeOffset, timeOffset + duration, tokens));
            seek += segmentSize;
        }
        return new Split(currentSegments, seek, singleTimestampEnding);
    }
}
