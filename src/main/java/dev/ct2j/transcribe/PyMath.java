package dev.ct2j.transcribe;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/** Python's numeric semantics where faster-whisper's results depend on them. */
final class PyMath {
    private PyMath() {}

    /** Python's round(x): to the nearest integer, ties to even. */
    static long round(double x) {
        return (long) Math.rint(x);
    }

    /** Python's round(x, n): the exact binary value rounded to n decimals, ties to even. */
    static double round(double x, int digits) {
        if (!Double.isFinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * faster-whisper's get_compression_ratio: UTF-8 length over zlib.compress length. Python's
     * zlib.compress uses level -1 (= 6) with the zlib header and Adler-32 trailer, as does a
     * non-nowrap Deflater at level 6.
     */
    static double compressionRatio(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater(6, false);
        try {
            deflater.setInput(bytes);
            deflater.finish();
            byte[] buffer = new byte[bytes.length + 64];
            long compressed = 0;
            while (!deflater.finished()) {
                compressed += deflater.deflate(buffer);
            }
            return (double) bytes.length / compressed;
        } finally {
            deflater.end();
        }
    }
}
