package dev.ct2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer cache on the real model's tokenizer.json: what a cached load gives equals what a
 * parse gives, a damaged or stale entry is never used, and the native tokenizer is made only when
 * something must be encoded.
 */
class TokenizerCacheTest {

    private static final String TEXT = " And so my fellow Americans, ask not what your country can do for you. 你好，世界 🍕";

    private static Path tokenizerJson;

    @BeforeAll
    static void findModel() {
        tokenizerJson = TokenizerTestSupport.modelDir().resolve("tokenizer.json");
        assertTrue(Files.isRegularFile(tokenizerJson), "no tokenizer.json at " + tokenizerJson);
    }

    @Test
    void aCachedLoadDecodesAsTheParseAndMakesTheNativeTokenizerOnlyToEncode(@TempDir Path cache) throws Exception {
        List<Integer> tokens;
        List<Integer> nonSpeech;
        try (WhisperVocabulary parsed = WhisperVocabulary.fromFile(tokenizerJson, true, Optional.of(cache))) {
            assertTrue(parsed.holdsHuggingFaceTokenizer(), "a load without an entry parses with HF tokenizers");
            tokens = parsed.encode(TEXT);
            nonSpeech = parsed.nonSpeechTokens();
            assertEquals(TEXT, parsed.decode(tokens));
        }
        assertEquals(1, entries(cache).size(), "one entry written");
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(entries(cache).getFirst())), "readable by all, as the model store is");

        try (WhisperVocabulary cached = WhisperVocabulary.fromFile(tokenizerJson, true, Optional.of(cache));
                WhisperVocabulary uncached = WhisperVocabulary.fromFile(tokenizerJson, true, Optional.empty())) {
            assertFalse(cached.holdsHuggingFaceTokenizer(), "a cached load needs no native tokenizer");
            assertTrue(cached.decodesInJava());
            assertFalse(uncached.decodesInJava(), "without the cache everything goes through HF tokenizers");
            assertEquals(TEXT, cached.decode(tokens));
            assertEquals(uncached.decodeWithTimestamps(tokens), cached.decodeWithTimestamps(tokens));
            assertEquals(nonSpeech, cached.nonSpeechTokens());
            assertEquals(uncached.nonSpeechTokens(), cached.nonSpeechTokens());
            assertEquals(uncached.tokenToId("<|en|>"), cached.tokenToId("<|en|>"));
            assertEquals(uncached.tokenToId("Ġhello"), cached.tokenToId("Ġhello"));
            assertFalse(cached.holdsHuggingFaceTokenizer(), "decoding and lookups made no native tokenizer");
            assertEquals(tokens, cached.encode(TEXT));
            assertTrue(cached.holdsHuggingFaceTokenizer());
        }
    }

    @Test
    void aDamagedEntryIsIgnoredAndWrittenAgain(@TempDir Path cache) throws Exception {
        WhisperVocabulary.fromFile(tokenizerJson, true, Optional.of(cache)).close();
        Path entry = entries(cache).getFirst();
        byte[] good = Files.readAllBytes(entry);
        for (byte[] damaged : List.of(java.util.Arrays.copyOf(good, good.length / 2), flipped(good, good.length / 3), new byte[0])) {
            Files.write(entry, damaged);
            try (WhisperVocabulary vocabulary = WhisperVocabulary.fromFile(tokenizerJson, true, Optional.of(cache))) {
                assertTrue(vocabulary.holdsHuggingFaceTokenizer(), "a damaged entry reads as missing");
                assertEquals(TEXT, vocabulary.decode(vocabulary.encode(TEXT)));
            }
            assertArrayEquals(good, Files.readAllBytes(entry), "the entry is written again");
        }
    }

    @Test
    void anEditedTokenizerJsonFindsNoEntryAndAChangeAfterTheLoadIsRefusedOnEncode(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Path copy = Files.copy(tokenizerJson, dir.resolve("tokenizer.json"));
        List<Integer> tokens;
        try (WhisperVocabulary parsed = WhisperVocabulary.fromFile(copy, true, Optional.of(cache))) {
            tokens = parsed.encode(TEXT);
        }
        try (WhisperVocabulary cached = WhisperVocabulary.fromFile(copy, true, Optional.of(cache))) {
            assertFalse(cached.holdsHuggingFaceTokenizer());
            Files.writeString(copy, Files.readString(copy) + "\n"); // same JSON, other bytes
            var e = assertThrows(UncheckedIOException.class, () -> cached.encode(TEXT));
            assertTrue(e.getMessage().contains(copy.toAbsolutePath().toString()) && e.getMessage().contains("changed"),
                    e.getMessage());
            assertEquals(TEXT, cached.decode(tokens), "decoding still works");
        }
        try (WhisperVocabulary edited = WhisperVocabulary.fromFile(copy, true, Optional.of(cache))) {
            assertTrue(edited.holdsHuggingFaceTokenizer(), "the edited file has no entry yet");
        }
        assertEquals(2, entries(cache).size());
    }

    @Test
    void aCacheFolderThatCannotBeWrittenCostsOnlyTheSpeedUp(@TempDir Path dir) throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        try (WhisperVocabulary vocabulary = WhisperVocabulary.fromFile(tokenizerJson, true, Optional.of(notAFolder))) {
            assertTrue(vocabulary.decodesInJava());
            assertEquals(TEXT, vocabulary.decode(vocabulary.encode(TEXT)));
        }
        assertEquals("x", Files.readString(notAFolder));
    }

    @Test
    void fromUtf8LossyReplacesEachMaximalSubpartOnce() {
        assertEquals("a\uFFFDb", ByteLevelDecoding.fromUtf8Lossy(bytes(0x61, 0xE4, 0xBD, 0x62))); // truncated 3-byte
        assertEquals("\uFFFD\uFFFD", ByteLevelDecoding.fromUtf8Lossy(bytes(0xC0, 0x80))); // overlong lead
        assertEquals("\uFFFD\uFFFD", ByteLevelDecoding.fromUtf8Lossy(bytes(0xED, 0xA0))); // a surrogate's start
        assertEquals("\uFFFD", ByteLevelDecoding.fromUtf8Lossy(bytes(0xF0, 0x9F, 0x8D))); // truncated emoji
        assertEquals("🍕", ByteLevelDecoding.fromUtf8Lossy(bytes(0xF0, 0x9F, 0x8D, 0x95)));
        assertEquals("\uFFFD\uFFFD\uFFFD", ByteLevelDecoding.fromUtf8Lossy(bytes(0xF5, 0x80, 0xFF)));
        assertEquals("\uFFFD\uFFFD", ByteLevelDecoding.fromUtf8Lossy(bytes(0xF4, 0x90))); // above U+10FFFF
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] flipped(byte[] data, int at) {
        byte[] copy = data.clone();
        copy[at] ^= 0x10;
        return copy;
    }

    private static List<Path> entries(Path cache) throws Exception {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(f -> f.toString().endsWith(".bin")).toList();
        }
    }
}
