package dev.ct2j.tokenizer;

import dev.ct2j.natives.CacheFolders;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * What a {@code tokenizer.json} gives a transcription, kept in ct2j's cache folder so that a later
 * load reads it in a millisecond instead of parsing 3.9 MB of JSON and building the native
 * tokenizer: the added tokens, the byte-level decode table and {@code non_speech_tokens}.
 *
 * <p>An entry is named by the file's size and CRC-32 and repeats both inside, so an edited
 * tokenizer.json simply finds no entry. A damaged or foreign entry reads as missing and is written
 * again; a cache folder that cannot be written costs only the speed-up. {@code
 * -Dct2j.tokenizerCache=off} turns the cache and the Java decoding off (HF tokenizers for all, as
 * before); {@code -Dct2j.tokenizerCache=DIR} puts it elsewhere.
 */
final class TokenizerCache {

    private static final byte[] MAGIC = "ct2j-tokenizer\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;

    /** A tokenizer.json's identity: its size and CRC-32. */
    record Key(long size, int crc32) {
        static Key of(byte[] tokenizerJson) {
            // zlib's CRC-32, through JNI: 3.9 MB in a few ms even before the JIT.
            return new Key(tokenizerJson.length, TokenizerCache.crc32(tokenizerJson, tokenizerJson.length));
        }

        String fileName() {
            return String.format("%08x-%d.bin", crc32, size);
        }
    }

    /** One entry. */
    record Entry(
            Map<String, Integer> addedTokenIds,
            Set<String> specialTokens,
            ByteLevelDecoding.Table decoding,
            int[] nonSpeechTokens) {}

    private TokenizerCache() {}

    /** The cache folder, or empty when the cache is off. */
    static Optional<Path> folder() {
        String configured = System.getProperty("ct2j.tokenizerCache");
        if (configured != null && configured.equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        return Optional.of(configured != null && !configured.isBlank()
                ? Path.of(configured) : CacheFolders.ct2jCache().resolve("tokenizers"));
    }

    /** The entry for {@code key}, if a readable one is there. */
    static Optional<Entry> read(Path folder, Key key) {
        byte[] data;
        try {
            data = Files.readAllBytes(folder.resolve(key.fileName()));
        } catch (IOException e) {
            return Optional.empty();
        }
        if (data.length < 4 || crc32(data, data.length - 4) != ByteBuffer.wrap(data, data.length - 4, 4).getInt()) {
            return Optional.empty(); // damaged: written again by this load
        }
        try {
            return Optional.ofNullable(parse(ByteBuffer.wrap(data, 0, data.length - 4), key));
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            return Optional.empty(); // damaged: written again by this load
        }
    }

    private static Entry parse(ByteBuffer in, Key key) {
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC) || in.getInt() != FORMAT
                || in.getLong() != key.size() || in.getInt() != key.crc32()) {
            return null;
        }
        int added = in.getInt();
        Map<String, Integer> ids = new HashMap<>(added * 2);
        Set<String> special = new HashSet<>(added * 2);
        for (int i = 0; i < added; i++) {
            int id = in.getInt();
            boolean isSpecial = in.get() != 0;
            String content = new String(bytes(in), StandardCharsets.UTF_8);
            ids.put(content, id);
            if (isSpecial) {
                special.add(content);
            }
        }
        int[] tokenStart = ints(in);
        byte[] decoded = bytes(in);
        int[] nonSpeech = ints(in);
        if (in.hasRemaining() || !ByteLevelDecoding.isValid(tokenStart, decoded.length)) {
            return null;
        }
        return new Entry(Map.copyOf(ids), Set.copyOf(special), new ByteLevelDecoding.Table(decoded, tokenStart), nonSpeech);
    }

    /** Writes the entry for {@code key}; best effort, through a temporary file and a rename. */
    static void write(Path folder, Key key, Entry entry) {
        try {
            Files.createDirectories(folder);
            byte[] data = serialize(key, entry);
            Path tmp = Files.createTempFile(folder, key.fileName(), ".tmp");
            try {
                Files.write(tmp, data);
                readableByAll(tmp); // as the model store's files are: a cache folder may be shared
                try {
                    Files.move(tmp, folder.resolve(key.fileName()), StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, folder.resolve(key.fileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | SecurityException e) {
            // no cache this time: the next load parses tokenizer.json again
        }
    }

    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its default permissions stand
        }
    }

    private static byte[] serialize(Key key, Entry entry) {
        int size = MAGIC.length + 4 + 8 + 4 + 4;
        Map<String, byte[]> contents = new java.util.LinkedHashMap<>(); // in id order: the same entry, the same bytes
        List<String> byId = entry.addedTokenIds().keySet().stream()
                .sorted(java.util.Comparator.comparing(entry.addedTokenIds()::get)).toList();
        for (String content : byId) {
            byte[] utf8 = content.getBytes(StandardCharsets.UTF_8);
            contents.put(content, utf8);
            size += 4 + 1 + 4 + utf8.length;
        }
        ByteLevelDecoding.Table table = entry.decoding();
        size += 4 + 4 * table.tokenStart().length + 4 + table.bytes().length + 4 + 4 * entry.nonSpeechTokens().length + 4;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MAGIC).putInt(FORMAT).putLong(key.size()).putInt(key.crc32());
        out.putInt(contents.size());
        for (Map.Entry<String, byte[]> added : contents.entrySet()) {
            out.putInt(entry.addedTokenIds().get(added.getKey()));
            out.put((byte) (entry.specialTokens().contains(added.getKey()) ? 1 : 0));
            out.putInt(added.getValue().length).put(added.getValue());
        }
        putInts(out, table.tokenStart());
        out.putInt(table.bytes().length).put(table.bytes());
        putInts(out, entry.nonSpeechTokens());
        out.putInt(crc32(out.array(), out.position()));
        return out.array();
    }

    private static int crc32(byte[] data, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, 0, length);
        return (int) crc.getValue();
    }

    private static void putInts(ByteBuffer out, int[] values) {
        out.putInt(values.length);
        out.asIntBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    private static int[] ints(ByteBuffer in) {
        int[] values = new int[in.getInt()];
        in.asIntBuffer().get(values); // BufferUnderflowException when short
        in.position(in.position() + 4 * values.length);
        return values;
    }

    private static byte[] bytes(ByteBuffer in) {
        byte[] value = new byte[in.getInt()];
        in.get(value);
        return value;
    }
}
