package dev.ct2j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * faster-whisper 1.2.1's {@code Tokenizer(tokenizer, multilingual, task, language)}: a {@link
 * WhisperVocabulary} seen with one task and language.
 *
 * <p>Immutable and cheap, so make one per transcription. Where faster-whisper reassigns the
 * language of its tokenizer for every window ({@code multilingual=True}), use {@link
 * #withLanguage}. Thread-safe as far as the vocabulary is; it must stay open while this is used.
 */
public final class WhisperTokenizer {

    // Languages written without spaces between words: split wherever a character completes.
    private static final Set<String> UNICODE_SPLIT_LANGUAGES = Set.of("zh", "ja", "th", "lo", "my", "yue");

    // Python's string.punctuation.
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final WhisperVocabulary vocabulary;
    private final String task;
    private final String language;
    private final String languageCode;
    private final OptionalInt taskToken;
    private final OptionalInt languageToken;

    private WhisperTokenizer(WhisperVocabulary vocabulary, String task, String language) {
        this.vocabulary = vocabulary;
        if (vocabulary.isMultilingual()) {
            this.task = validTask(task);
            this.language = validLanguage(language);
            this.taskToken = vocabulary.tokenToId("<|" + task + "|>");
            // Quirk kept from faster-whisper: a valid code the model lacks (yue before v3) has no
            // token, and the sot sequence then silently goes without a language.
            this.languageToken = vocabulary.tokenToId("<|" + language + "|>");
            this.languageCode = language;
        } else {
            // faster-whisper ignores task and language for English-only models.
            this.task = null;
            this.language = null;
            this.taskToken = OptionalInt.empty();
            this.languageToken = OptionalInt.empty();
            this.languageCode = "en";
        }
    }

    /**
     * A view of {@code vocabulary} for one task and language.
     *
     * @param task {@code transcribe} or {@code translate}; ignored for English-only models
     * @param language one of {@link WhisperVocabulary#LANGUAGE_CODES}; ignored for English-only
     *     models
     * @throws IllegalArgumentException for a multilingual model, if the task or language is not
     *     accepted; the message names the value and lists the accepted ones
     */
    public static WhisperTokenizer of(WhisperVocabulary vocabulary, String task, String language) {
        return new WhisperTokenizer(Objects.requireNonNull(vocabulary, "vocabulary"), task, language);
    }

    /**
     * The same view with another language, for per-window language detection.
     *
     * @throws IllegalStateException for an English-only model, which has no language tokens
     * @throws IllegalArgumentException if the language is not one of the accepted codes
     */
    public WhisperTokenizer withLanguage(String language) {
        if (!vocabulary.isMultilingual()) {
            throw new IllegalStateException("An English-only model has no language tokens; cannot switch to '" + language + "'");
        }
        return new WhisperTokenizer(vocabulary, task, language);
    }

    private static String validTask(String task) {
        if (task == null || !WhisperVocabulary.TASKS.contains(task)) {
            throw new IllegalArgumentException(
                    "'" + task + "' is not a valid task (accepted tasks: "
                            + String.join(", ", WhisperVocabulary.TASKS) + ")");
        }
        return task;
    }

    private static String validLanguage(String language) {
        if (language == null || !WhisperVocabulary.LANGUAGE_CODES.contains(language)) {
            throw new IllegalArgumentException(
                    "'" + language + "' is not a valid language code (accepted language codes: "
                            + String.join(", ", WhisperVocabulary.LANGUAGE_CODES) + ")");
        }
        return language;
    }

    public WhisperVocabulary vocabulary() {
        return vocabulary;
    }

    public boolean isMultilingual() {
        return vocabulary.isMultilingual();
    }

    /** The task, empty for English-only models. */
    public Optional<String> task() {
        return Optional.ofNullable(task);
    }

    /** The language as given, empty for English-only models. */
    public Optional<String> language() {
        return Optional.ofNullable(language);
    }

    /** faster-whisper's {@code language_code}: the language, or {@code en} for English-only models. */
    public String languageCode() {
        return languageCode;
    }

    /** faster-whisper's {@code task}: the task token id, empty for English-only models. */
    public OptionalInt taskToken() {
        return taskToken;
    }

    /**
     * faster-whisper's {@code language}: the language token id, empty for English-only models and
     * for languages the model has no token for.
     */
    public OptionalInt languageToken() {
        return languageToken;
    }

    /** {@code [sot]}, then the language token and the task token where there is one. */
    public List<Integer> sotSequence() {
        List<Integer> sequence = new ArrayList<>(3);
        sequence.add(vocabulary.sot());
        languageToken.ifPresent(sequence::add);
        taskToken.ifPresent(sequence::add);
        return List.copyOf(sequence);
    }

    public int transcribe() {
        return vocabulary.transcribe();
    }

    public int translate() {
        return vocabulary.translate();
    }

    public int sot() {
        return vocabulary.sot();
    }

    public int sotLm() {
        return vocabulary.sotLm();
    }

    public int sotPrev() {
        return vocabulary.sotPrev();
    }

    public int eot() {
        return vocabulary.eot();
    }

    public int noTimestamps() {
        return vocabulary.noTimestamps();
    }

    public int noSpeech() {
        return vocabulary.noSpeech();
    }

    public int timestampBegin() {
        return vocabulary.timestampBegin();
    }

    /** See {@link WhisperVocabulary#encode}. */
    public List<Integer> encode(String text) {
        return vocabulary.encode(text);
    }

    /** See {@link WhisperVocabulary#decode}. */
    public String decode(List<Integer> tokens) {
        return vocabulary.decode(tokens);
    }

    /** See {@link WhisperVocabulary#decodeWithTimestamps}. */
    public String decodeWithTimestamps(List<Integer> tokens) {
        return vocabulary.decodeWithTimestamps(tokens);
    }

    /** See {@link WhisperVocabulary#nonSpeechTokens}. */
    public List<Integer> nonSpeechTokens() {
        return vocabulary.nonSpeechTokens();
    }

    /** See {@link WhisperVocabulary#suppressedTokens}. */
    public List<Integer> suppressedTokens(List<Integer> suppressTokens) {
        return vocabulary.suppressedTokens(suppressTokens);
    }

    /**
     * faster-whisper's {@code split_to_word_tokens}: for zh, ja, th, lo, my and yue, {@link
     * #splitTokensOnUnicode}; otherwise {@link #splitTokensOnSpaces}.
     */
    public WordTokens splitToWordTokens(List<Integer> tokens) {
        return UNICODE_SPLIT_LANGUAGES.contains(languageCode)
                ? splitTokensOnUnicode(tokens)
                : splitTokensOnSpaces(tokens);
    }

    /**
     * faster-whisper's {@code split_tokens_on_unicode}: a word ends at each token after which the
     * decoded text has no U+FFFD, or whose U+FFFD is also in the decoding of all the tokens (a
     * byte sequence that never completes).
     */
    public WordTokens splitTokensOnUnicode(List<Integer> tokens) {
        // Offsets count code points, as Python's str indices do; UTF-16 indices would drift
        // after an emoji.
        int[] decodedFull = decodeWithTimestamps(tokens).codePoints().toArray();
        List<String> words = new ArrayList<>();
        List<List<Integer>> wordTokens = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int unicodeOffset = 0;

        for (Integer token : tokens) {
            current.add(token);
            String decoded = decodeWithTimestamps(current);
            int[] codePoints = decoded.codePoints().toArray();
            int replacement = indexOf(codePoints, 0xFFFD);
            if (replacement < 0
                    || (replacement + unicodeOffset < decodedFull.length
                            && decodedFull[replacement + unicodeOffset] == 0xFFFD)) {
                words.add(decoded);
                wordTokens.add(current);
                current = new ArrayList<>();
                unicodeOffset += codePoints.length;
            }
        }
        // Quirk kept from faster-whisper: tokens still pending here (a U+FFFD that the full
        // decoding does not have at the same offset) are dropped.
        return new WordTokens(words, wordTokens);
    }

    /**
     * faster-whisper's {@code split_tokens_on_spaces}: the unicode split, with each piece joined to
     * the previous word unless it is special ({@code >= eot}), starts with a space, or is
     * punctuation.
     */
    public WordTokens splitTokensOnSpaces(List<Integer> tokens) {
        WordTokens subwords = splitTokensOnUnicode(tokens);
        List<String> words = new ArrayList<>();
        List<List<Integer>> wordTokens = new ArrayList<>();
        int eot = vocabulary.eot();

        for (int i = 0; i < subwords.size(); i++) {
            String subword = subwords.words().get(i);
            List<Integer> subwordTokens = subwords.tokens().get(i);
            boolean special = subwordTokens.getFirst() >= eot;
            boolean withSpace = subword.startsWith(" ");
            // Quirk kept from faster-whisper: `subword.strip() in string.punctuation` is a
            // substring test, so "" (e.g. a lone space) and runs like "()" count as punctuation.
            boolean punctuation = PUNCTUATION.contains(PythonText.strip(subword));
            if (special || withSpace || punctuation || words.isEmpty()) {
                words.add(subword);
                wordTokens.add(new ArrayList<>(subwordTokens));
            } else {
                words.set(words.size() - 1, words.getLast() + subword);
                wordTokens.getLast().addAll(subwordTokens);
            }
        }
        return new WordTokens(words, wordTokens);
    }

    private static int indexOf(int[] codePoints, int wanted) {
        for (int i = 0; i < codePoints.length; i++) {
            if (codePoints[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "WhisperTokenizer[" + (task == null ? "English-only" : task + ", " + language) + "]";
    }
}
