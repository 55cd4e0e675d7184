package dev.ct2j.output;

/** The writers' time formats (whisper-ctranslate2's {@code format_timestamp} and TSV's milliseconds). */
public final class Timestamps {
    private Timestamps() {}

    /**
     * Python's {@code round(seconds * 1000)}: the double product rounded half to even, which
     * {@link Math#rint} is.
     */
    public static long milliseconds(double seconds) {
        return (long) Math.rint(seconds * 1000.0);
    }

    /**
     * {@code [HH:]MM:SS<marker>mmm}; hours appear when asked for or when non-zero. Negative times
     * are refused, as whisper-ctranslate2's assertion refuses them.
     */
    public static String format(double seconds, boolean alwaysIncludeHours, char decimalMarker) {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("non-negative timestamp expected, got " + seconds);
        }
        long ms = milliseconds(seconds);
        long hours = ms / 3_600_000;
        ms -= hours * 3_600_000;
        long minutes = ms / 60_000;
        ms -= minutes * 60_000;
        long secs = ms / 1_000;
        ms -= secs * 1_000;
        StringBuilder out = new StringBuilder(13);
        if (alwaysIncludeHours || hours > 0) {
            pad(out, hours, 2).append(':');
        }
        pad(out, minutes, 2).append(':');
        pad(out, secs, 2).append(decimalMarker);
        return pad(out, ms, 3).toString();
    }

    private static StringBuilder pad(StringBuilder out, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }
}
