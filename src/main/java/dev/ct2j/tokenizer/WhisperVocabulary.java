package dev.ct2j.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.ct2j.trace.PhaseTrace;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Whisper model's {@code tokenizer.json}, loaded once per model and shared by every
 * transcription on it.
 *
 * <p>This is the model-wide half of faster-whisper 1.2.1's {@code Tokenizer}: the HF tokenizer,
 * the special token ids, {@code non_speech_tokens} and {@code get_suppressed_tokens}. The per-call
 * half (task and language) is {@link WhisperTokenizer}, made with {@link #tokenizer}. Decoding runs
 * in Java (ByteLevelDecoding) from a cache entry (TokenizerCache); HF tokenizers'
 * native library is loaded to encode, and on the first load of a file.
 *
 * <p>Thread-safe. Encoding and decoding may run concurrently; {@link #close()} waits for calls in
 * flight, and any call after it throws {@link IllegalStateException}.
 */
public final class WhisperVocabulary implements AutoCloseable {

    /** The tasks a multilingual model accepts, in faster-whisper's order. */
    public static final List<String> TASKS = List.of("transcribe", "translate");

    /**
     * faster-whisper's {@code _LANGUAGE_CODES}: the 100 Whisper language codes in token order. A
     * model may lack some of them: pre-v3 models have no {@code <|yue|>} token.
     */
    public static final List<String> LANGUAGE_CODES =
            List.of(
                    "af", "am", "ar", "as", "az", "ba", "be", "bg", "bn", "bo", "br", "bs", "ca",
                    "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fo", "fr",
                    "gl", "gu", "ha", "haw", "he", "hi", "hr", "ht", "hu", "hy", "id", "is", "it",
                    "ja", "jw", "ka", "kk", "km", "kn", "ko", "la", "lb", "ln", "lo", "lt", "lv",
                    "mg", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "ne", "nl", "nn", "no",
                    "oc", "pa", "pl", "ps", "pt", "ro", "ru", "sa", "sd", "si", "sk", "sl", "sn",
                    "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl", "tr",
                    "tt", "uk", "ur", "uz", "vi", "yi", "yo", "zh", "yue");

    private static final String TOKENIZER_FILE = "tokenizer.json";

    private final Path file;
    private final boolean multilingual;
    // The decode of a byte-level BPE vocabulary, in Java (ByteLevelDecoding); null for another
    // kind of tokenizer, or with -Dct2j.tokenizerCache=off, which then decode through HF tokenizers.
    private final ByteLevelDecoding decoding;
    // HF tokenizers through DJL: made at load when there is no cached entry to read (or no Java
    // decoding), else on the first encode (prompts, prefix, hotwords), from the file as loaded.
    private HuggingFaceTokenizer tokenizer;
    private final TokenizerCache.Key loadedKey;
    // DJL has no token_to_id, so the lookup tables are read from the same file: the added tokens
    // (every special token) at load, the model's 50k-entry vocabulary only if a lookup needs it.
    // Reading all of tokenizer.json with Jackson took 0.9-1.6 s of a cold JVM; the added tokens,
    // which come first in the file, take 0.2 s.
    private final Map<String, Integer> addedTokenIds;
    private volatile Map<String, Integer> modelVocab;
    // Shared for encode/decode through HF tokenizers, exclusive for close: freeing the native
    // handle under a concurrent call would be a use-after-free.
    private final Lock useLock;
    private final Lock closeLock;
    private volatile boolean closed;

    private final int eot;
    private final int sot;
    private final int sotLm;
    private final int sotPrev;
    private final int transcribe;
    private final int translate;
    private final int noTimestamps;
    private final int noSpeech;
    private final List<Integer> nonSpeechTokens;

    private WhisperVocabulary(Path file, boolean multilingual, Parsed parsed) {
        this.file = file;
        this.multilingual = multilingual;
        this.tokenizer = parsed.tokenizer;
        this.loadedKey = parsed.key;
        this.decoding = parsed.decoding;
        this.addedTokenIds = parsed.addedTokenIds;
        ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        this.useLock = lock.readLock();
        this.closeLock = lock.writeLock();
        this.eot = required("<|endoftext|>");
        this.sot = required("<|startoftranscript|>");
        this.sotLm = required("<|startoflm|>");
        this.sotPrev = required("<|startofprev|>");
        this.transcribe = required("<|transcribe|>");
        this.translate = required("<|translate|>");
        this.noTimestamps = required("<|notimestamps|>");
        // English-only v1 models call it <|nocaptions|>.
        OptionalInt speech = tokenToId("<|nospeech|>");
        this.noSpeech = speech.isPresent() ? speech.getAsInt() : required("<|nocaptions|>");
        this.nonSpeechTokens = parsed.nonSpeechTokens != null
                ? Arrays.stream(parsed.nonSpeechTokens).boxed().toList()
                : buildNonSpeechTokens(this::encode);
    }

    /**
     * Loads {@code tokenizer.json} from a model directory.
     *
     * @param modelDir the CTranslate2 model directory
     * @param multilingual whether the model is multilingual (CTranslate2's {@code is_multilingual});
     *     English-only models get no task or language tokens
     * @throws UncheckedIOException if the file is missing, unreadable, or not a Whisper tokenizer;
     *     the message names the file
     */
    public static WhisperVocabulary load(Path modelDir, boolean multilingual) {
        return fromFile(modelDir.resolve(TOKENIZER_FILE), multilingual);
    }

    /**
     * Loads a Whisper {@code tokenizer.json} file.
     *
     * @throws UncheckedIOException if the file is missing, unreadable, or not a Whisper tokenizer;
     *     the message names the file
     */
    public static WhisperVocabulary fromFile(Path tokenizerJson, boolean multilingual) {
        long start = PhaseTrace.start();
        try {
            return fromFileUntraced(tokenizerJson, multilingual);
        } finally {
            PhaseTrace.end("tokenizer load", start);
        }
    }

    private static WhisperVocabulary fromFileUntraced(Path tokenizerJson, boolean multilingual) {
        return parseUntraced(tokenizerJson).complete(multilingual);
    }

    /**
     * Reads and parses a model directory's {@code tokenizer.json} before it is known whether the
     * model is multilingual, so that the tokenizer can load while CTranslate2 loads the model.
     *
     * @throws UncheckedIOException as {@link #load}
     */
    public static Parsed parse(Path modelDir) {
        long start = PhaseTrace.start();
        try {
            return parseUntraced(modelDir.resolve(TOKENIZER_FILE));
        } finally {
            PhaseTrace.end("tokenizer load", start);
        }
    }

    private static Parsed parseUntraced(Path tokenizerJson) {
        return parseUntraced(tokenizerJson, TokenizerCache.folder());
    }

    /** {@link #fromFile} with the given cache folder (empty: no cache, HF tokenizers for all). */
    static WhisperVocabulary fromFile(Path tokenizerJson, boolean multilingual, Optional<Path> cacheFolder) {
        return parseUntraced(tokenizerJson, cacheFolder).complete(multilingual);
    }

    private static Parsed parseUntraced(Path tokenizerJson, Optional<Path> cacheFolder) {
        byte[] bytes = readFile(tokenizerJson);
        if (cacheFolder.isEmpty()) {
            Map<String, Integer> ids = readAddedTokens(tokenizerJson, bytes);
            return new Parsed(tokenizerJson, null, newHuggingFaceTokenizer(tokenizerJson, bytes), ids, null, null);
        }
        TokenizerCache.Key key = TokenizerCache.Key.of(bytes);
        Optional<TokenizerCache.Entry> cached = TokenizerCache.read(cacheFolder.get(), key);
        if (cached.isPresent()) {
            TokenizerCache.Entry entry = cached.get();
            return new Parsed(tokenizerJson, key, null, entry.addedTokenIds(),
                    ByteLevelDecoding.fromTable(entry.decoding()), entry.nonSpeechTokens());
        }
        TokenizerJson json = TokenizerJson.read(tokenizerJson, bytes);
        HuggingFaceTokenizer hf = newHuggingFaceTokenizer(tokenizerJson, bytes);
        try {
            if (!json.byteLevel()) {
                return new Parsed(tokenizerJson, key, hf, json.addedTokenIds(), null, null);
            }
            int[] nonSpeech = buildNonSpeechTokens(text -> encodeWith(hf, text)).stream().mapToInt(Integer::intValue).toArray();
            TokenizerCache.Entry entry = new TokenizerCache.Entry(json.addedTokenIds(), json.specialTokens(),
                    ByteLevelDecoding.table(json.modelTokens(), json.addedTokens(), json.specialTokens()), nonSpeech);
            TokenizerCache.write(cacheFolder.get(), key, entry);
            return new Parsed(tokenizerJson, key, hf, json.addedTokenIds(), ByteLevelDecoding.fromTable(entry.decoding()), nonSpeech);
        } catch (RuntimeException | Error e) {
            hf.close();
            throw e;
        }
    }

    private static byte[] readFile(Path tokenizerJson) {
        try {
            return Files.readAllBytes(tokenizerJson);
        } catch (IOException e) {
            // NoSuchFileException's message is only the path, so name the failure too.
            throw loadFailure(tokenizerJson, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A parsed {@code tokenizer.json} waiting for {@link #complete}; closing it frees it unless completed. */
    public static final class Parsed implements AutoCloseable {
        private final Path file;
        private final TokenizerCache.Key key;
        private final Map<String, Integer> addedTokenIds;
        private final ByteLevelDecoding decoding;
        private final int[] nonSpeechTokens;
        private HuggingFaceTokenizer tokenizer;
        private boolean done;

        private Parsed(Path file, TokenizerCache.Key key, HuggingFaceTokenizer tokenizer,
                Map<String, Integer> addedTokenIds, ByteLevelDecoding decoding, int[] nonSpeechTokens) {
            this.file = file;
            this.key = key;
            this.tokenizer = tokenizer;
            this.addedTokenIds = addedTokenIds;
            this.decoding = decoding;
            this.nonSpeechTokens = nonSpeechTokens;
        }

        /**
         * The vocabulary, which takes over the native tokenizer; once only.
         *
         * @param multilingual as in {@link #load}
         * @throws UncheckedIOException if a special token is missing (the tokenizer is then freed)
         */
        public synchronized WhisperVocabulary complete(boolean multilingual) {
            if (done) {
                throw new IllegalStateException("this parsed tokenizer.json was already completed or closed");
            }
            done = true;
            try {
                return new WhisperVocabulary(file, multilingual, this);
            } catch (RuntimeException e) {
                freeTokenizer();
                throw e;
            }
        }

        @Override
        public synchronized void close() {
            if (!done) {
                done = true;
                freeTokenizer();
            }
        }

        private void freeTokenizer() {
            if (tokenizer != null) {
                tokenizer.close();
                tokenizer = null;
            }
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** The top-level {@code added_tokens}: content to id. Reading stops after them. */
    private static Map<String, Integer> readAddedTokens(Path file, byte[] bytes) {
        Map<String, Integer> ids = new HashMap<>();
        readTopLevel(file, bytes, Map.of("added_tokens", parser -> readAddedTokens(file, parser, ids, new HashSet<>())));
        return Map.copyOf(ids);
    }

    private static void readAddedTokens(Path file, JsonParser parser, Map<String, Integer> ids, Set<String> special)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw loadFailure(file, "added_tokens is not an array", null);
        }
        while (parser.nextToken() == JsonToken.START_OBJECT) {
            Integer id = null;
            String content = null;
            boolean isSpecial = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("id") && value == JsonToken.VALUE_NUMBER_INT && parser.getIntValue() >= 0) {
                    id = parser.getIntValue();
                } else if (field.equals("content") && value == JsonToken.VALUE_STRING) {
                    content = parser.getText();
                } else if (field.equals("special") && value == JsonToken.VALUE_TRUE) {
                    isSpecial = true;
                } else {
                    parser.skipChildren();
                }
            }
            if (id == null || content == null) {
                throw loadFailure(file, "an added token without an integer id and a string content", null);
            }
            ids.put(content, id);
            if (isSpecial) {
                special.add(content);
            }
        }
    }

    /** What a cache entry is built from: one pass over the whole file. */
    private record TokenizerJson(
            Map<String, Integer> addedTokenIds,
            String[] addedTokens,
            Set<String> specialTokens,
            String[] modelTokens,
            boolean byteLevel) {

        static TokenizerJson read(Path file, byte[] bytes) {
            Map<String, Integer> ids = new HashMap<>();
            Set<String> special = new HashSet<>();
            Map<Integer, String> vocab = new HashMap<>();
            String[] decoderType = {null};
            String[] modelType = {null};
            readTopLevel(file, bytes, Map.of(
                    "added_tokens", parser -> readAddedTokens(file, parser, ids, special),
                    "decoder", parser -> decoderType[0] = typeOf(parser),
                    "model", parser -> modelType[0] = readModel(file, parser, (token, id) -> vocab.put(id, token))));
            String[] added = new String[ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
            ids.forEach((content, id) -> added[id] = content);
            String[] model = new String[vocab.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
            vocab.forEach((id, token) -> model[id] = token);
            boolean byteLevel = "ByteLevel".equals(decoderType[0]) && "BPE".equals(modelType[0]);
            return new TokenizerJson(Map.copyOf(ids), added, Set.copyOf(special), model, byteLevel);
        }

        // An object's "type", the rest skipped; null for anything else (a null decoder, say).
        private static String typeOf(JsonParser parser) throws IOException {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                return null;
            }
            String type = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                    type = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            return type;
        }
    }

    // The top-level "model" object: hands each model.vocab entry to vocab and returns the model's
    // "type" (null if it has none).
    private static String readModel(Path file, JsonParser parser, java.util.function.ObjIntConsumer<String> vocab)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw loadFailure(file, "model is not an object", null);
        }
        String type = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                type = parser.getText();
            } else if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String token = parser.currentName();
                    if (parser.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                        throw loadFailure(file, "model.vocab maps " + token + " to a non-integer", null);
                    }
                    if (parser.getIntValue() < 0) {
                        throw loadFailure(file, "model.vocab maps " + token + " to a negative id", null);
                    }
                    vocab.accept(token, parser.getIntValue());
                }
            } else {
                parser.skipChildren();
            }
        }
        return type;
    }

    /** {@code model.vocab}: token to id. */
    private static Map<String, Integer> readModelVocab(Path file, byte[] bytes) {
        Map<String, Integer> vocab = new HashMap<>();
        readTopLevel(file, bytes, Map.of("model", parser -> readModel(file, parser, vocab::put)));
        return Map.copyOf(vocab);
    }

    private interface FieldReader {
        void read(JsonParser parser) throws IOException;
    }

    // Streams the top-level object, hands the parser to each field's reader on its value, and stops
    // once every field was read; a missing field reads as empty.
    private static void readTopLevel(Path file, byte[] bytes, Map<String, FieldReader> readers) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw loadFailure(file, "not a valid tokenizer.json: not a JSON object", null);
            }
            int left = readers.size();
            while (left > 0 && parser.nextToken() == JsonToken.FIELD_NAME) {
                FieldReader reader = readers.get(parser.currentName());
                parser.nextToken();
                if (reader != null) {
                    reader.read(parser);
                    left--;
                } else {
                    parser.skipChildren();
                }
            }
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw loadFailure(file, "not a valid tokenizer.json" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw loadFailure(file, e.toString(), e);
        }
    }

    private static HuggingFaceTokenizer newHuggingFaceTokenizer(Path file, byte[] bytes) {
        // DJL otherwise probes the EC2 metadata endpoint for telemetry (seconds offline); ct2j stays offline.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        // DJL defaults to truncating at 512 tokens and padding; faster-whisper's tokenizer does
        // neither. Turning both off also avoids DJL's "maxLength is not explicitly specified" warning.
        Map<String, String> options =
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
        } catch (IOException | RuntimeException e) {
            throw loadFailure(file, "the HF tokenizers library rejected it: " + e.getMessage(), e);
        }
    }

    private static UncheckedIOException loadFailure(Path file, String why, Exception cause) {
        String message = "Cannot load Whisper tokenizer " + file.toAbsolutePath() + ": " + why;
        IOException io = cause instanceof IOException e ? e : new IOException(message, cause);
        return new UncheckedIOException(message, io);
    }

    private int required(String token) {
        return tokenToId(token).orElseThrow(() -> loadFailure(file, "missing special token " + token, null));
    }

    /** A per-call view with a task and language; see {@link WhisperTokenizer#of}. */
    public WhisperTokenizer tokenizer(String task, String language) {
        return WhisperTokenizer.of(this, task, language);
    }

    /** The {@code tokenizer.json} this was loaded from. */
    public Path file() {
        return file;
    }

    public boolean isMultilingual() {
        return multilingual;
    }

    /** faster-whisper's {@code supported_languages}: every code if multilingual, else {@code en}. */
    public List<String> supportedLanguages() {
        return multilingual ? LANGUAGE_CODES : List.of("en");
    }

    /** HF {@code token_to_id}: empty when the vocabulary has no such token. */
    public OptionalInt tokenToId(String token) {
        Integer id = addedTokenIds.get(token);
        if (id == null) {
            id = modelVocab().get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    private Map<String, Integer> modelVocab() {
        Map<String, Integer> vocab = modelVocab;
        if (vocab == null) {
            synchronized (this) {
                vocab = modelVocab;
                if (vocab == null) {
                    try {
                        vocab = readModelVocab(file, Files.readAllBytes(file));
                    } catch (IOException e) {
                        throw loadFailure(file, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
                    }
                    modelVocab = vocab;
                }
            }
        }
        return vocab;
    }

    public int eot() {
        return eot;
    }

    public int sot() {
        return sot;
    }

    public int sotLm() {
        return sotLm;
    }

    public int sotPrev() {
        return sotPrev;
    }

    public int transcribe() {
        return transcribe;
    }

    public int translate() {
        return translate;
    }

    public int noTimestamps() {
        return noTimestamps;
    }

    /** The id of {@code <|nospeech|>}, or of {@code <|nocaptions|>} in models that predate it. */
    public int noSpeech() {
        return noSpeech;
    }

    /** The first timestamp token, {@code <|0.00|>}; every id from here on is a timestamp. */
    public int timestampBegin() {
        return noTimestamps + 1;
    }

    /** HF {@code encode(text, add_special_tokens=False).ids}, never truncated. */
    public List<Integer> encode(String text) {
        Objects.requireNonNull(text, "text");
        useLock.lock();
        try {
            ensureOpen();
            return encodeWith(huggingFace(), text);
        } finally {
            useLock.unlock();
        }
    }

    private static List<Integer> encodeWith(HuggingFaceTokenizer tokenizer, String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        return Arrays.stream(ids).mapToObj(id -> Math.toIntExact(id)).toList();
    }

    // The HF tokenizer, made from the file on first use when the load read a cached entry. The file
    // must still be the one loaded: its other tokens would not match the decoding.
    private synchronized HuggingFaceTokenizer huggingFace() {
        if (tokenizer == null) {
            long start = PhaseTrace.start();
            byte[] bytes = readFile(file);
            if (!TokenizerCache.Key.of(bytes).equals(loadedKey)) {
                throw loadFailure(file, "it changed since the model was loaded; load the model again", null);
            }
            tokenizer = newHuggingFaceTokenizer(file, bytes);
            PhaseTrace.end("tokenizer load (for encoding)", start);
        }
        return tokenizer;
    }

    /**
     * faster-whisper's {@code decode}: drops ids from {@code eot} on (specials and timestamps), then
     * HF-decodes with special tokens skipped. Incomplete UTF-8 byte sequences come out as U+FFFD.
     */
    public String decode(List<Integer> tokens) {
        return decodeText(tokens.stream().filter(t -> t < eot).toList());
    }

    /**
     * faster-whisper's {@code decode_with_timestamps}: timestamp ids are rendered as {@code
     * <|%.2f|>} and each run of other ids is HF-decoded on its own, special tokens skipped.
     */
    public String decodeWithTimestamps(List<Integer> tokens) {
        int timestampBegin = timestampBegin();
        StringBuilder out = new StringBuilder();
        List<Integer> run = new ArrayList<>();
        for (int token : tokens) {
            if (token >= timestampBegin) {
                out.append(decodeText(run)).append("<|").append(formatSeconds(token - timestampBegin)).append("|>");
                run.clear();
            } else {
                run.add(token);
            }
        }
        return out.append(decodeText(run)).toString();
    }

    // Python's f"{x:.2f}" rounds the exact binary value half-to-even; Java's %.2f does not.
    private static String formatSeconds(int timestampIndex) {
        return new BigDecimal(timestampIndex * 0.02).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** HF {@code decode(ids, skip_special_tokens=True)}, as faster-whisper calls it. */
    String decodeIds(List<Integer> tokens) {
        return decodeText(tokens);
    }

    /** Whether decoding runs in Java ({@link ByteLevelDecoding}) rather than through HF tokenizers. */
    boolean decodesInJava() {
        return decoding != null;
    }

    /** Whether the HF tokenizer has been made (at load without a cache entry, or by an encode). */
    synchronized boolean holdsHuggingFaceTokenizer() {
        return tokenizer != null;
    }

    private String decodeText(List<Integer> tokens) {
        if (tokens.isEmpty()) {
            return "";
        }
        if (decoding != null) {
            ensureOpen();
            return decoding.decode(tokens);
        }
        long[] ids = new long[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i);
        }
        useLock.lock();
        try {
            ensureOpen();
            // HF tokenizers' decode defaults to skip_special_tokens=True; DJL's does not.
            return huggingFace().decode(ids, true);
        } finally {
            useLock.unlock();
        }
    }

    /**
     * faster-whisper's {@code non_speech_tokens}: ids of speaker tags, brackets and music symbols,
     * sorted ascending, without duplicates.
     */
    public List<Integer> nonSpeechTokens() {
        return nonSpeechTokens;
    }

    private static List<Integer> buildNonSpeechTokens(java.util.function.Function<String, List<Integer>> encode) {
        List<String> symbols = new ArrayList<>();
        "\"#()*+/:;<=>@[\\]^_`{|}~「」『』".codePoints().forEach(c -> symbols.add(Character.toString(c)));
        symbols.addAll(
                List.of("<<", ">>", "<<<", ">>>", "--", "---", "-(", "-[", "('", "(\"", "((", "))",
                        "(((", ")))", "[[", "]]", "{{", "}}", "♪♪", "♪♪♪"));
        // U+2640..U+267F share their first two UTF-8 bytes, so a multi-token encoding's first
        // token is safe to suppress for these.
        Set<String> miscellaneous = Set.of("♩", "♪", "♫", "♬", "♭", "♮", "♯");
        symbols.addAll(miscellaneous);

        // Hyphens and apostrophes stay allowed inside words, only the word-initial form is banned.
        Set<Integer> result = new TreeSet<>();
        result.add(encode.apply(" -").getFirst());
        result.add(encode.apply(" '").getFirst());
        for (String symbol : symbols) {
            for (List<Integer> tokens : List.of(encode.apply(symbol), encode.apply(" " + symbol))) {
                if (tokens.size() == 1 || miscellaneous.contains(symbol)) {
                    result.add(tokens.getFirst());
                }
            }
        }
        return List.copyOf(result);
    }

    /**
     * faster-whisper's {@code get_suppressed_tokens}: {@code -1} expands to {@link
     * #nonSpeechTokens()} (and other negative ids are then dropped); the task, sot, sot_prev, sot_lm
     * and no-speech ids are always added. Returns sorted, distinct ids; the argument is not modified
     * (faster-whisper extends a list argument in place).
     *
     * <p>An empty list yields just the always-added ids, as in faster-whisper. But faster-whisper's
     * {@code transcribe} never calls this for {@code suppress_tokens=None} or {@code []}: it passes
     * them to CTranslate2 unchanged, which means no suppression at all, special tokens included. A
     * caller reproducing {@code transcribe} must make that check itself.
     */
    public List<Integer> suppressedTokens(List<Integer> suppressTokens) {
        Objects.requireNonNull(suppressTokens, "suppressTokens");
        Set<Integer> result = new TreeSet<>();
        if (suppressTokens.contains(-1)) {
            for (int token : suppressTokens) {
                if (token >= 0) {
                    result.add(token);
                }
            }
            result.addAll(nonSpeechTokens);
        } else {
            result.addAll(suppressTokens);
        }
        result.addAll(List.of(transcribe, translate, sot, sotPrev, sotLm, noSpeech));
        return List.copyOf(result);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Whisper tokenizer " + file + " is closed");
        }
    }

    /** Frees the native tokenizer, if one was made, after calls in flight finish. Idempotent. */
    @Override
    public void close() {
        closeLock.lock();
        try {
            if (!closed) {
                closed = true;
                synchronized (this) {
                    if (tokenizer != null) {
                        tokenizer.close();
                        tokenizer = null;
                    }
                }
            }
        } finally {
            closeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "WhisperVocabulary[" + file + (multilingual ? ", multilingual]" : ", English-only]");
    }
}
