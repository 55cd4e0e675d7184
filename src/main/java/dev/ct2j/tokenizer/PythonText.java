package dev.ct2j.tokenizer;

/** Python's string semantics where faster-whisper's behaviour depends on them. */
public final class PythonText {
    private PythonText() {}

    /** Python's str.strip(): Java's strip() misses U+00A0, U+2007, U+202F and U+0085. */
    public static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int c = s.codePointAt(start);
            if (!isSpace(c)) {
                break;
            }
            start += Character.charCount(c);
        }
        while (end > start) {
            int c = s.codePointBefore(end);
            if (!isSpace(c)) {
                break;
            }
            end -= Character.charCount(c);
        }
        return s.substring(start, end);
    }

    /** The code points for which Python's str.isspace() is true. */
    public static boolean isSpace(int c) {
        return (c >= 0x09 && c <= 0x0D)
                || (c >= 0x1C && c <= 0x20)
                || c == 0x85
                || c == 0xA0
                || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028
                || c == 0x2029
                || c == 0x202F
                || c == 0x205F
                || c == 0x3000;
    }
}
