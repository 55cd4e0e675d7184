package dev.ct2j.transcribe;

import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.tokenizer.WhisperVocabulary;

/**
 * Bounds on the work one request may ask for, for front ends that take options from people they
 * do not control (the command line, a server). {@link WhisperModel} itself has none beyond the
 * native layer's sanity maxima, as faster-whisper has none: this class is opt-in.
 *
 * <p>What each bound is for (see docs/robustness.md, "Bad input: before and after"):
 * <ul>
 * <li>{@code beam_size}, {@code best_of}, the batch size: CTranslate2 gives every beam (every
 *     sampled hypothesis) of every batch item its own copy of the decoder's state, the
 *     cross-attention keys and values over the 1500 encoder frames included, about 48 MB each for
 *     base in float32 and 320 MB for large-v3 in float16. beam_size 10000 on a 3 s clip passed
 *     5 GB in 90 s, in faster-whisper as in ct2j.
 * <li>{@code temperature}: every value is one more full decoding of a window that falls back.
 * <li>{@code initial_prompt}, {@code prefix}, {@code hotwords}: faster-whisper's get_prompt keeps
 *     only 223 tokens (max_length // 2 - 1) of each, silently; past that, text does nothing but
 *     cost tokenizing, so a front end refuses it rather than drop it without a word.
 * </ul>
 * Each failure is an {@link LimitExceededException} naming the option, its value and the limit.
 */
public record InputLimits(int maxBeamSize, int maxBestOf, int maxBatchSize, int maxTemperatures, int maxPromptTokens) {
    /** What get_prompt keeps of a prompt, prefix or hotwords: max_length // 2 - 1. */
    public static final int PROMPT_TOKENS_USED = WindowDecoding.MAX_LENGTH / 2 - 1;

    /** A limit an option is over; the message names the option, its value and the limit. */
    public static final class LimitExceededException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        LimitExceededException(String message) {
            super(message);
        }
    }

    public InputLimits {
        if (maxBeamSize < 1 || maxBestOf < 1 || maxBatchSize < 1 || maxTemperatures < 1 || maxPromptTokens < 1) {
            throw new IllegalArgumentException("limits must be >= 1");
        }
    }

    /**
     * beam_size and best_of up to 16 (faster-whisper's default is 5), batches up to 64, up to 16
     * temperatures (the default fallback has 6), prompts of up to the 223 tokens Whisper is given.
     */
    public static InputLimits defaults() {
        return new InputLimits(16, 16, 64, 16, PROMPT_TOKENS_USED);
    }

    /**
     * The checks that need no model: beam_size, best_of, the number of temperatures, and the batch
     * size ({@code null} for the sequential pipeline).
     */
    public void checkOptions(TranscriptionOptions options, Integer batchSize) {
        over("beam_size", options.beamSize(), maxBeamSize, " (each beam keeps its own copy of the decoder's cache)");
        over("best_of", options.bestOf(), maxBestOf, " (each candidate keeps its own copy of the decoder's cache)");
        if (options.temperatures().size() > maxTemperatures) {
            throw new LimitExceededException("temperature has " + options.temperatures().size() + " values, over the"
                    + " limit of " + maxTemperatures + " (each one more decoding of a window that falls back)");
        }
        if (batchSize != null) {
            over("batch_size", batchSize, maxBatchSize, " (each item keeps its own decoder cache per beam)");
        }
    }

    /** The prompt checks, which count tokens with the model's tokenizer. */
    public void checkPrompts(TranscriptionOptions options, WhisperVocabulary vocabulary, boolean batched) {
        if (options.initialPrompt() != null) {
            // As the pipelines encode it: with a leading space sequentially, as given when batched.
            String text = batched ? options.initialPrompt() : " " + PythonText.strip(options.initialPrompt());
            prompt("initial_prompt", vocabulary.encode(text).size(), "last");
        } else if (options.initialPromptTokens() != null) {
            prompt("initial_prompt", options.initialPromptTokens().size(), "last");
        }
        if (options.prefix() != null && !options.prefix().isEmpty() && !batched) {
            prompt("prefix", vocabulary.encode(" " + PythonText.strip(options.prefix())).size(), "first");
        }
        if (options.hotwords() != null && !options.hotwords().isEmpty()) {
            prompt("hotwords", vocabulary.encode(" " + PythonText.strip(options.hotwords())).size(), "first");
        }
    }

    private void prompt(String name, int tokens, String which) {
        if (tokens > maxPromptTokens) {
            throw new LimitExceededException(name + " is " + tokens + " tokens, over the limit of " + maxPromptTokens
                    + (maxPromptTokens == PROMPT_TOKENS_USED ? " (Whisper is given only the " + which + " "
                            + PROMPT_TOKENS_USED + "; faster-whisper drops the rest without a word)" : ""));
        }
    }

    private static void over(String name, int value, int limit, String why) {
        if (value > limit) {
            throw new LimitExceededException(name + " " + value + " is over the limit of " + limit + why);
        }
    }
}
