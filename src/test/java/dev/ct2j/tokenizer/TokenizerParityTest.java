package dev.ct2j.tokenizer;

import static dev.ct2j.tokenizer.TokenizerTestSupport.intLists;
import static dev.ct2j.tokenizer.TokenizerTestSupport.ints;
import static dev.ct2j.tokenizer.TokenizerTestSupport.strings;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Compares every value parity/tools/reference_tokenizer.py prints (faster-whisper 1.2.1 over the
 * same tokenizer.json) with the Java tokenizer. The cases live in the script.
 */
class TokenizerParityTest {

    private static JsonNode reference;
    private static WhisperVocabulary multilingual;
    private static WhisperVocabulary englishOnly;

    @BeforeAll
    static void runFasterWhisper() throws Exception {
        Path modelDir = TokenizerTestSupport.modelDir();
        reference = TokenizerTestSupport.runReferenceScript(modelDir);
        multilingual = WhisperVocabulary.load(modelDir, true);
        // The same vocabulary seen as English-only, like faster-whisper's own split test does.
        englishOnly = WhisperVocabulary.load(modelDir, false);
    }

    @AfterAll
    static void close() {
        if (multilingual != null) {
            multilingual.close();
        }
        if (englishOnly != null) {
            englishOnly.close();
        }
    }

    @Test
    void tasksAndLanguageCodesAreFasterWhispersInOrder() {
        assertEquals(strings(reference.get("tasks")), WhisperVocabulary.TASKS);
        assertEquals(strings(reference.get("language_codes")), WhisperVocabulary.LANGUAGE_CODES);
        assertEquals(100, WhisperVocabulary.LANGUAGE_CODES.size());
    }

    @Test
    void tokenToIdMatchesHuggingFaceIncludingMissingTokens() {
        List<Executable> checks = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : reference.get("token_to_id").properties()) {
            checks.add(() -> assertEquals(optional(e.getValue()), multilingual.tokenToId(e.getKey()), e.getKey()));
        }
        for (Map.Entry<String, JsonNode> e : reference.get("language_tokens").properties()) {
            String token = "<|" + e.getKey() + "|>";
            checks.add(() -> assertEquals(optional(e.getValue()), multilingual.tokenToId(token), token));
        }
        assertAll(checks.stream());
    }

    @Test
    void specialTokenIdsMatchForMultilingualAndEnglishOnlyViews() {
        assertSpecials(reference.get("multilingual").get("special"), multilingual.tokenizer("transcribe", "en"));
        assertSpecials(reference.get("english_only").get("special"), englishOnly.tokenizer(null, null));
    }

    private static void assertSpecials(JsonNode expected, WhisperTokenizer tokenizer) {
        assertAll(
                () -> assertEquals(expected.get("eot").intValue(), tokenizer.eot(), "eot"),
                () -> assertEquals(expected.get("sot").intValue(), tokenizer.sot(), "sot"),
                () -> assertEquals(expected.get("sot_lm").intValue(), tokenizer.sotLm(), "sot_lm"),
                () -> assertEquals(expected.get("sot_prev").intValue(), tokenizer.sotPrev(), "sot_prev"),
                () -> assertEquals(expected.get("transcribe").intValue(), tokenizer.transcribe(), "transcribe"),
                () -> assertEquals(expected.get("translate").intValue(), tokenizer.translate(), "translate"),
                () -> assertEquals(expected.get("no_timestamps").intValue(), tokenizer.noTimestamps(), "no_timestamps"),
                () -> assertEquals(expected.get("no_speech").intValue(), tokenizer.noSpeech(), "no_speech"),
                () -> assertEquals(expected.get("timestamp_begin").intValue(), tokenizer.timestampBegin(), "timestamp_begin"));
    }

    @Test
    void sotSequenceSkipsALanguageTheModelHasNoTokenFor() {
        List<Executable> checks = new ArrayList<>();
        for (JsonNode c : reference.get("multilingual").get("sot_sequences")) {
            WhisperTokenizer tokenizer = multilingual.tokenizer(c.get("task").textValue(), c.get("language").textValue());
            String label = c.get("task").textValue() + "/" + c.get("language").textValue();
            checks.add(() -> assertEquals(ints(c.get("sot_sequence")), tokenizer.sotSequence(), label));
            checks.add(() -> assertEquals(optional(c.get("task_token")), tokenizer.taskToken(), label));
            checks.add(() -> assertEquals(optional(c.get("language_token")), tokenizer.languageToken(), label));
        }
        JsonNode en = reference.get("english_only");
        WhisperTokenizer englishTokenizer = englishOnly.tokenizer("translate", "de");
        checks.add(() -> assertEquals(ints(en.get("sot_sequence")), englishTokenizer.sotSequence()));
        checks.add(() -> assertEquals(en.get("language_code").textValue(), englishTokenizer.languageCode()));
        assertAll(checks.stream());
    }

    @Test
    void encodeMatchesHuggingFaceWithoutSpecialTokensOrTruncation() {
        List<Executable> checks = new ArrayList<>();
        for (JsonNode c : reference.get("encode")) {
            String text = c.get("text").textValue();
            checks.add(() -> assertEquals(ints(c.get("ids")), multilingual.encode(text), () -> "encode(" + abbreviate(text) + ")"));
        }
        assertAll(checks.stream());
    }

    @Test
    void decodeAndDecodeWithTimestampsMatchIncludingBrokenUtf8() {
        List<Executable> checks = new ArrayList<>();
        for (JsonNode c : reference.get("decode")) {
            List<Integer> ids = ints(c.get("ids"));
            checks.add(() -> assertEquals(c.get("decode").textValue(), multilingual.decode(ids), () -> "decode" + abbreviate(ids.toString())));
            checks.add(() -> assertEquals(c.get("decode_with_timestamps").textValue(), multilingual.decodeWithTimestamps(ids),
                    () -> "decode_with_timestamps" + abbreviate(ids.toString())));
        }
        assertAll(checks.stream());
    }

    @Test
    void javaDecodingMatchesHuggingFaceForEveryIdAndForRandomRuns() {
        assertTrue(multilingual.decodesInJava(), "the Whisper tokenizer.json should decode in Java");
        List<String> mismatches = new ArrayList<>();
        JsonNode each = reference.get("hf_decode_each");
        for (int id = 0; id < each.size(); id++) {
            String actual = multilingual.decodeIds(List.of(id));
            if (!actual.equals(each.get(id).textValue())) {
                mismatches.add(id + ": " + actual + " != " + each.get(id).textValue());
            }
        }
        JsonNode runs = reference.get("hf_decode_runs");
        for (JsonNode run : runs) {
            List<Integer> ids = ints(run.get("ids"));
            String actual = multilingual.decodeIds(ids);
            if (!actual.equals(run.get("decode").textValue())) {
                mismatches.add(ids + ": " + actual + " != " + run.get("decode").textValue());
            }
        }
        assertTrue(each.size() > 51_000 && runs.size() == 3000, "reference cases: " + each.size() + ", " + runs.size());
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())), mismatches.size() + " mismatches");
    }

    @Test
    void nonSpeechTokensMatch() {
        assertEquals(ints(reference.get("multilingual").get("non_speech_tokens")), multilingual.nonSpeechTokens());
        assertEquals(ints(reference.get("english_only").get("non_speech_tokens")), englishOnly.nonSpeechTokens());
    }

    @Test
    void suppressedTokensMatchGetSuppressedTokens() {
        List<Executable> checks = new ArrayList<>();
        for (var entry : List.of(Map.entry("multilingual", multilingual), Map.entry("english_only", englishOnly))) {
            for (JsonNode c : reference.get(entry.getKey()).get("suppressed")) {
                List<Integer> input = ints(c.get("input"));
                checks.add(() -> assertEquals(ints(c.get("output")), entry.getValue().suppressedTokens(input),
                        entry.getKey() + " " + input));
            }
        }
        assertAll(checks.stream());
    }

    @Test
    void wordSplittingMatchesForSpacedAndUnspacedLanguages() {
        List<Executable> checks = new ArrayList<>();
        for (JsonNode c : reference.get("split")) {
            WhisperTokenizer tokenizer = c.get("multilingual").booleanValue()
                    ? multilingual.tokenizer("transcribe", c.get("language").textValue())
                    : englishOnly.tokenizer(null, null);
            List<Integer> tokens = ints(c.get("tokens"));
            String label = tokenizer.languageCode() + " " + tokens;
            checks.add(() -> assertEquals(
                    new WordTokens(strings(c.get("words")), intLists(c.get("word_tokens"))),
                    tokenizer.splitToWordTokens(tokens), "split_to_word_tokens " + label));
            checks.add(() -> assertEquals(
                    new WordTokens(strings(c.get("unicode_words")), intLists(c.get("unicode_word_tokens"))),
                    tokenizer.splitTokensOnUnicode(tokens), "split_tokens_on_unicode " + label));
        }
        assertFalse(checks.isEmpty());
        assertAll(checks.stream());
    }

    private static OptionalInt optional(JsonNode id) {
        return id.isNull() ? OptionalInt.empty() : OptionalInt.of(id.intValue());
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...(" + s.length() + " chars)";
    }
}
