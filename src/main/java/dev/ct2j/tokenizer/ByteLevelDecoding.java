package dev.ct2j.tokenizer;

import java.util.List;

/**
 * HF tokenizers' {@code decode(ids, skip_special_tokens=True)} for a byte-level BPE vocabulary
 * (GPT-2's, which every Whisper model uses), in Java.
 *
 * <p>Written here rather than called through DJL because the decode is all a default
 * transcription needs from the tokenizer, and the native tokenizer's load cost 240-460 ms of CPU on
 * every start (on 2 cores, beside CTranslate2's load) and tens of MB of RSS. What it reproduces,
 * from tokenizers' {@code Tokenizer::decode} and the {@code ByteLevel} decoder:
 * <ul>
 *   <li>an id is an added token's content, else the model's token, else dropped; a token whose
 *       string is a special token is dropped;
 *   <li>a token whose every char is one of the 256 byte chars becomes those bytes, any other token
 *       its own UTF-8 bytes;
 *   <li>the bytes of all tokens, joined, are read as {@code String::from_utf8_lossy} does.
 * </ul>
 * Immutable and thread-safe.
 */
final class ByteLevelDecoding {

    // GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes to
    // U+0100 onwards in byte order. CHAR_TO_BYTE is its inverse (-1: not a byte char).
    private static final int[] CHAR_TO_BYTE = new int[0x100 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            CHAR_TO_BYTE[printable ? b : 0x100 + extra++] = b;
        }
    }

    private final byte[] bytes;
    // The id's decoded bytes run from offset(tokenStart[id]) to offset(tokenStart[id + 1]); a
    // negative entry, -(offset + 1), marks an id that decodes to nothing (no such token, or a
    // special one).
    private final int[] tokenStart;

    private ByteLevelDecoding(byte[] bytes, int[] tokenStart) {
        this.bytes = bytes;
        this.tokenStart = tokenStart;
    }

    /** The decoded bytes of every id, laid out for {@link #fromBytes}. */
    record Table(byte[] bytes, int[] tokenStart) {}

    /**
     * Builds the table from the vocabulary.
     *
     * @param modelTokens the model's token by id, {@code null} where it has none
     * @param addedTokens the added tokens' content by id, {@code null} where there is none; an
     *     added token takes precedence over the model's at the same id
     * @param special the contents of the special tokens
     */
    static Table table(String[] modelTokens, String[] addedTokens, java.util.Set<String> special) {
        int size = Math.max(modelTokens.length, addedTokens.length);
        int[] tokenStart = new int[size + 1];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(size * 6);
        for (int id = 0; id < size; id++) {
            String added = id < addedTokens.length ? addedTokens[id] : null;
            String token = added != null ? added : id < modelTokens.length ? modelTokens[id] : null;
            if (token == null || special.contains(token)) {
                tokenStart[id] = -(out.size() + 1);
                continue;
            }
            tokenStart[id] = out.size();
            out.writeBytes(tokenBytes(token));
        }
        tokenStart[size] = out.size();
        return new Table(out.toByteArray(), tokenStart);
    }

    /** Whether a table read back from a file is laid out as {@link #table} lays it out. */
    static boolean isValid(int[] tokenStart, int byteCount) {
        if (tokenStart.length == 0 || tokenStart[tokenStart.length - 1] != byteCount) {
            return false;
        }
        int previous = 0;
        for (int entry : tokenStart) {
            int offset = offset(entry);
            if (offset < previous) {
                return false;
            }
            previous = offset;
        }
        return true;
    }

    static ByteLevelDecoding fromTable(Table table) {
        return new ByteLevelDecoding(table.bytes(), table.tokenStart());
    }

    private static byte[] tokenBytes(String token) {
        byte[] mapped = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            mapped[i] = (byte) b;
        }
        return mapped;
    }

    /** {@code decode(ids, skip_special_tokens=True)}. */
    String decode(List<Integer> ids) {
        int length = 0;
        for (int id : ids) {
            length += decodedLength(id);
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (int id : ids) {
            int n = decodedLength(id);
            if (n > 0) {
                System.arraycopy(bytes, tokenStart[id], joined, at, n);
                at += n;
            }
        }
        return fromUtf8Lossy(joined);
    }

    private int decodedLength(int id) {
        if (id < 0 || id >= tokenStart.length - 1 || tokenStart[id] < 0) {
            return 0;
        }
        return offset(tokenStart[id + 1]) - tokenStart[id];
    }

    private static int offset(int entry) {
        return entry < 0 ? -entry - 1 : entry;
    }

    /**
     * Rust's {@code String::from_utf8_lossy}: each maximal subpart of an ill-formed sequence (a
     * lead byte and the continuation bytes valid after it) becomes one U+FFFD, as Unicode's
     * recommended practice says.
     */
    static String fromUtf8Lossy(byte[] utf8) {
        StringBuilder out = new StringBuilder(utf8.length);
        int i = 0;
        while (i < utf8.length) {
            int lead = utf8[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int continuations;
            int codePoint;
            int low = 0x80;
            int high = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                continuations = 1;
                codePoint = lead & 0x1F;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                continuations = 2;
                codePoint = lead & 0x0F;
                low = lead == 0xE0 ? 0xA0 : 0x80; // no overlong forms
                high = lead == 0xED ? 0x9F : 0xBF; // no surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                continuations = 3;
                codePoint = lead & 0x07;
                low = lead == 0xF0 ? 0x90 : 0x80;
                high = lead == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < continuations; k++, j++) {
                int b = j < utf8.length ? utf8[j] & 0xFF : -1;
                if (k == 0 ? b < low || b > high : b < 0x80 || b > 0xBF) {
                    complete = false;
                    break;
                }
                codePoint = codePoint << 6 | (b & 0x3F);
            }
            if (complete) {
                out.appendCodePoint(codePoint);
            } else {
                out.append('\uFFFD');
            }
            i = j;
        }
        return out.toString();
    }
}
