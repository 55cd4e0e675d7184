package dev.ct2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour that needs no Python: faster-whisper's own test expectations, errors, immutability. */
class WhisperTokenizerTest {

    /**
     * faster-whisper's tests/test_tokenizer.py::test_suppressed_tokens_minus_1: {@code
     * get_suppressed_tokens(Tokenizer(tiny.en, multilingual=False), [-1])}.
     */
    static final List<Integer> TINY_EN_SUPPRESSED_MINUS_1 = List.of(
            1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93,
            357, 366, 438, 532, 685, 705, 796, 930, 1058, 1220, 1267, 1279, 1303, 1343, 1377, 1391,
            1635, 1782, 1875, 2162, 2361, 2488, 3467, 4008, 4211, 4600, 4808, 5299, 5855, 6329,
            7203, 9609, 9959, 10563, 10786, 11420, 11709, 11907, 13163, 13697, 13700, 14808, 15306,
            16410, 16791, 17992, 19203, 19510, 20724, 22305, 22935, 27007, 30109, 30420, 33409,
            34949, 40283, 40493, 40549, 47282, 49146, 50257, 50357, 50358, 50359, 50360, 50361);

    private static WhisperVocabulary multilingual;
    private static WhisperVocabulary englishOnly;

    @BeforeAll
    static void load() {
        Path modelDir = TokenizerTestSupport.modelDir();
        multilingual = WhisperVocabulary.load(modelDir, true);
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
    void upstreamTupleHasTheDocumentedShape() {
        assertEquals(90, TINY_EN_SUPPRESSED_MINUS_1.size());
        assertEquals(TINY_EN_SUPPRESSED_MINUS_1.stream().sorted().distinct().toList(), TINY_EN_SUPPRESSED_MINUS_1);
    }

    /**
     * The upstream tuple comes from tiny.en, whose vocabulary is GPT-2's BPE; the base model here
     * uses Whisper's multilingual BPE. The two agree only on the 256 byte-level tokens and on the
     * layout of the special tokens (multilingual v1/v2 ids are tiny.en's plus one, as eot 50256
     * becomes 50257). So with the multilingual vocabulary seen as English-only this checks those
     * two parts against the tuple; the multi-byte BPE ids (357 " (", 532 " -", ...) differ, and
     * base gives 88 ids, not 90. The whole list is compared with Python in TokenizerParityTest, and
     * the exact tuple in {@link #englishOnlyMinusOneMatchesUpstreamTupleOnTinyEn} when a tiny.en
     * model is configured.
     */
    @Test
    void englishOnlyMinusOneAgreesWithUpstreamTupleWhereTheVocabulariesAgree() {
        List<Integer> ours = englishOnly.suppressedTokens(List.of(-1));
        List<Integer> upstream = TINY_EN_SUPPRESSED_MINUS_1;

        assertEquals(byteTokens(upstream), byteTokens(ours));
        assertEquals(
                upstream.subList(upstream.size() - 6, upstream.size()).stream().map(id -> id + 1).toList(),
                ours.subList(ours.size() - 6, ours.size()));
        assertEquals(List.of(englishOnly.sot(), englishOnly.translate(), englishOnly.transcribe(),
                englishOnly.sotLm(), englishOnly.sotPrev(), englishOnly.noSpeech()),
                ours.subList(ours.size() - 6, ours.size()));
        assertEquals(englishOnly.nonSpeechTokens().size() + 6, ours.size());
    }

    private static List<Integer> byteTokens(List<Integer> ids) {
        return ids.stream().filter(id -> id < 256).toList();
    }

    @Test
    void tokenToIdLooksInTheAddedTokensThenInTheModelVocabulary() {
        // Special tokens come from added_tokens (read at load); ordinary ones from model.vocab,
        // read on the first such lookup: both must give what the tokenizer itself encodes.
        assertEquals(multilingual.sot(), multilingual.tokenToId("<|startoftranscript|>").orElseThrow());
        assertEquals(multilingual.encode(" the"), List.of(multilingual.tokenToId("\u0120the").orElseThrow()));
        assertEquals(multilingual.encode(" hello"), List.of(multilingual.tokenToId("\u0120hello").orElseThrow()));
        assertTrue(multilingual.tokenToId("no such token, surely").isEmpty());
    }

    @Test
    void suppressedTokensLeavesTheCallersListAlone() {
        List<Integer> suppress = new ArrayList<>(List.of(13));
        List<Integer> first = multilingual.suppressedTokens(suppress);
        assertEquals(List.of(13), suppress);
        assertEquals(first, multilingual.suppressedTokens(suppress));
        assertEquals(List.of(13, multilingual.sot(), multilingual.translate(), multilingual.transcribe(),
                multilingual.sotLm(), multilingual.sotPrev(), multilingual.noSpeech()), first);
    }

    @Test
    void suppressedTokensOfAnEmptyListAreTheAlwaysSuppressedSpecials() {
        // transcribe() must not call this for [] (no suppression at all); the method itself
        // behaves like get_suppressed_tokens.
        assertEquals(6, multilingual.suppressedTokens(List.of()).size());
    }

    /** faster-whisper's tests/test_tokenizer.py::test_split_on_unicode (tiny shares base's vocabulary). */
    @Test
    void splitOnUnicodeKeepsALoneBrokenByteAsItsOwnWord() {
        WhisperTokenizer tokenizer = englishOnly.tokenizer(null, null);
        WordTokens split = tokenizer.splitTokensOnUnicode(List.of(8404, 871, 287, 6, 246, 526, 3210, 20378));
        assertEquals(List.of(" elle", " est", " l", "'", "\ufffd", "é", "rit", "oire"), split.words());
        assertEquals(List.of(List.of(8404), List.of(871), List.of(287), List.of(6), List.of(246),
                List.of(526), List.of(3210), List.of(20378)), split.tokens());
    }

    @Test
    void englishSplitTreatsEmptyAndBracketRunsAsPunctuation() {
        WhisperTokenizer en = multilingual.tokenizer("transcribe", "en");
        WordTokens split = en.splitToWordTokens(concat(en.encode(" Hi"), List.of(en.eot())));
        // The eot decodes to "", which `in string.punctuation` accepts.
        assertEquals(List.of(" Hi", ""), split.words());
        assertTrue("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".contains(PythonText.strip(" ()\u00a0")));
        assertEquals("x", PythonText.strip("\u3000\u202f\u0085x\u2007\u00a0\u001c"));
    }

    @Test
    void invalidTaskIsRejectedNamingTheValueAndTheAcceptedTasks() {
        var e = assertThrows(IllegalArgumentException.class, () -> multilingual.tokenizer("summarize", "en"));
        assertEquals("'summarize' is not a valid task (accepted tasks: transcribe, translate)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> multilingual.tokenizer(null, "en"));
    }

    @Test
    void invalidLanguageIsRejectedNamingTheValueAndTheAcceptedCodes() {
        var e = assertThrows(IllegalArgumentException.class, () -> multilingual.tokenizer("transcribe", "english"));
        assertTrue(e.getMessage().startsWith("'english' is not a valid language code (accepted language codes: af, am, ar,"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("zh, yue)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> multilingual.tokenizer("transcribe", null));
        assertThrows(IllegalArgumentException.class, () -> multilingual.tokenizer("transcribe", "EN"));
    }

    @Test
    void englishOnlyModelIgnoresTaskAndLanguage() {
        WhisperTokenizer tokenizer = englishOnly.tokenizer("not a task", "xx");
        assertAll(
                () -> assertEquals("en", tokenizer.languageCode()),
                () -> assertFalse(tokenizer.task().isPresent()),
                () -> assertFalse(tokenizer.language().isPresent()),
                () -> assertFalse(tokenizer.taskToken().isPresent()),
                () -> assertFalse(tokenizer.languageToken().isPresent()),
                () -> assertEquals(List.of(englishOnly.sot()), tokenizer.sotSequence()),
                () -> assertThrows(IllegalStateException.class, () -> tokenizer.withLanguage("de")));
    }

    @Test
    void withLanguageReturnsANewTokenizerAndLeavesTheOriginalUnchanged() {
        WhisperTokenizer en = multilingual.tokenizer("translate", "en");
        WhisperTokenizer de = en.withLanguage("de");
        assertNotSame(en, de);
        assertEquals("en", en.languageCode());
        assertEquals("de", de.languageCode());
        assertEquals("translate", de.task().orElseThrow());
        assertEquals(List.of(en.sot(), multilingual.tokenToId("<|de|>").orElseThrow(), en.translate()), de.sotSequence());
        assertEquals(List.of(en.sot(), multilingual.tokenToId("<|en|>").orElseThrow(), en.translate()), en.sotSequence());
        assertThrows(IllegalArgumentException.class, () -> en.withLanguage("klingon"));
    }

    @Test
    void languageValidForFasterWhisperButAbsentFromThisModelLeavesItOutOfTheSotSequence() {
        assertTrue(multilingual.tokenToId("<|yue|>").isEmpty(), "base (v2) has no <|yue|> token");
        WhisperTokenizer yue = multilingual.tokenizer("transcribe", "yue");
        assertEquals(List.of(yue.sot(), yue.transcribe()), yue.sotSequence());
        assertEquals("yue", yue.languageCode());
    }

    @Test
    void timestampsRenderWithTwoDecimals() {
        int begin = multilingual.timestampBegin();
        assertEquals("<|0.00|><|0.02|><|29.98|><|30.00|><|1.10|>",
                multilingual.decodeWithTimestamps(List.of(begin, begin + 1, begin + 1499, begin + 1500, begin + 55)));
        assertEquals("", multilingual.decode(List.of(begin, multilingual.eot(), multilingual.sot())));
    }

    @Test
    void longTextIsNotTruncated() {
        assertEquals(2000, multilingual.encode(" hello".repeat(2000)).size());
    }

    @Test
    void concurrentEncodeAndDecodeGiveTheSameResults() throws Exception {
        String text = " And so my fellow Americans, ask not what your country can do for you. 你好，世界";
        List<Integer> expected = multilingual.encode(text);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> multilingual.encode(text).equals(expected)
                        && multilingual.decode(expected).equals(text)));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingTokenizerJsonFailsNamingThePath(@TempDir Path dir) {
        var e = assertThrows(UncheckedIOException.class, () -> WhisperVocabulary.load(dir, true));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void corruptTokenizerJsonFailsNamingThePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"vocab\": {\"a\": 0}, ");
        var e = assertThrows(UncheckedIOException.class, () -> WhisperVocabulary.fromFile(file, true));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void tokenizerJsonWithoutWhisperSpecialTokensFailsNamingTheToken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1}, "unk_token": "[UNK]"}}
                """);
        var e = assertThrows(UncheckedIOException.class, () -> WhisperVocabulary.fromFile(file, true));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("<|endoftext|>"), e.getMessage());
        assertInstanceOf(java.io.IOException.class, e.getCause());
    }

    @Test
    void closedVocabularyRefusesWork() {
        WhisperVocabulary vocabulary = WhisperVocabulary.load(TokenizerTestSupport.modelDir(), true);
        vocabulary.close();
        vocabulary.close();
        assertThrows(IllegalStateException.class, () -> vocabulary.encode("hi"));
        assertThrows(IllegalStateException.class, () -> vocabulary.decode(List.of(1)));
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
