package dev.ct2j.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * numpy's float32 {@code np.log10} on x86-64 CPUs with AVX-512 (Skylake-X and later): numpy calls
 * Intel SVML's {@code __svml_log10f16} ("la" accuracy), whose main path is reproduced here with
 * Java's IEEE float arithmetic and {@link Math#fma(float, float, float)}.
 *
 * <p>The algorithm: {@code m = getmant(x)} normalised to [0.75, 1.5), {@code e} the exponent with
 * {@code x = m * 2^e}, {@code R = m - 1}, {@code i} the top four mantissa bits of {@code m}; then
 * {@code p = fma(R, c0[i], c1[i])}, {@code p = fma(R, p, c2[i])}, {@code p = fma(R, p, c3[i])}
 * and {@code log10(x) = fma(R, p, float(e) * log10(2))}.
 *
 * <p>The 16-interval coefficient tables are numpy's (Intel's) data and are deliberately not part
 * of this repository: {@code scripts/extract-numpy-constants.py} reads them out of numpy's own
 * binary ({@code numpy/_core/_multiarray_umath*.so} of the pinned numpy 2.4.6 wheel, verified by
 * sha256) and writes a small constants file, which this class loads once per JVM from the system
 * property {@value #PROPERTY} or else the environment variable {@value #ENVIRONMENT} (either set to
 * {@code none} disables it), or else the copy the jar carries ({@value #RESOURCE}), or else
 * {@code $CT2J_CACHE/numpy-svml-log10.bin} (default {@code ~/.cache/ct2j}).
 *
 * <p>File format (little-endian): magic {@code "CT2JLG10"}, u32 version 1, u32 count 80, 80
 * float32 values ({@code c0[16], c1[16], c2[16], c3[16], log10(2) x 16}), u32 CRC-32 of all the
 * preceding bytes, then free-form UTF-8 provenance text. A file that fails any check is ignored
 * (with the reason in {@link #status()}), never half-used.
 */
final class NumpySvmlLog10 implements Log10Function {

    static final String PROPERTY = "ct2j.numpySvmlLog10";
    static final String ENVIRONMENT = "CT2J_NUMPY_SVML_LOG10";
    static final String FILE_NAME = "numpy-svml-log10.bin";
    /** Built into the jar at package time from the same pinned wheel (scripts/setup.sh). */
    static final String RESOURCE = "/dev/ct2j/data/" + FILE_NAME;

    private static final byte[] MAGIC = "CT2JLG10".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int LANES = 16;
    private static final int COUNT = 5 * LANES;
    private static final int PAYLOAD_BYTES = 16 + 4 * COUNT;

    private final float[] c0;
    private final float[] c1;
    private final float[] c2;
    private final float[] c3;
    private final float log10Of2;
    private final String source;

    private NumpySvmlLog10(float[] values, String source) {
        c0 = Arrays.copyOfRange(values, 0, LANES);
        c1 = Arrays.copyOfRange(values, LANES, 2 * LANES);
        c2 = Arrays.copyOfRange(values, 2 * LANES, 3 * LANES);
        c3 = Arrays.copyOfRange(values, 3 * LANES, 4 * LANES);
        log10Of2 = values[4 * LANES];
        this.source = source;
    }

    /** The shared instance, or {@code null} when no valid constants file was found. */
    static NumpySvmlLog10 shared() {
        return Holder.INSTANCE;
    }

    /** Where the constants came from, or why they are missing. */
    static String status() {
        return Holder.STATUS;
    }

    /**
     * Where the constants are looked for, in order. An explicitly configured location (system
     * property or environment variable) is authoritative: if it is missing or broken, the default
     * locations are not consulted, and the value {@code none} disables the constants.
     */
    static Path[] candidates() {
        String explicit = explicitLocation();
        if (explicit != null) {
            return explicit.equalsIgnoreCase("none") ? new Path[0] : new Path[] {Path.of(explicit)};
        }
        List<Path> paths = new ArrayList<>();
        paths.add(dev.ct2j.natives.CacheFolders.ct2jCache().resolve(FILE_NAME));
        return paths.toArray(Path[]::new);
    }

    private static String explicitLocation() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return property.strip();
        }
        String env = System.getenv(ENVIRONMENT);
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        return null;
    }

    private static final class Holder {
        static final NumpySvmlLog10 INSTANCE;
        static final String STATUS;

        static {
            StringBuilder why = new StringBuilder();
            NumpySvmlLog10 found = explicitLocation() == null ? fromJar(why) : null;
            if (found == null) {
                found = fromFiles(candidates(), why);
            }
            INSTANCE = found;
            STATUS = found != null
                    ? "numpy SVML log10 constants from " + found.source
                    : "numpy SVML log10 constants unavailable (" + why
                            + "generate them with scripts/extract-numpy-constants.py)";
        }
    }

    private static NumpySvmlLog10 fromJar(StringBuilder why) {
        try {
            return loadResource();
        } catch (IOException | IllegalArgumentException e) {
            why.append(RESOURCE).append(": ").append(e.getMessage()).append("; ");
            return null;
        }
    }

    private static NumpySvmlLog10 fromFiles(Path[] candidates, StringBuilder why) {
        if (candidates.length == 0) {
            why.append("disabled by ").append(PROPERTY).append('/').append(ENVIRONMENT).append("=none; ");
        }
        for (Path path : candidates) {
            if (!Files.isRegularFile(path)) {
                why.append(path).append(": not found; ");
                continue;
            }
            try {
                return load(path);
            } catch (IOException | IllegalArgumentException e) {
                why.append(path).append(": ").append(e.getMessage()).append("; ");
            }
            break; // a file that exists but is broken must not silently give way to another
        }
        return null;
    }

    /** The copy the jar carries, or {@code null} if it was packaged without one. */
    static NumpySvmlLog10 loadResource() throws IOException {
        try (var in = NumpySvmlLog10.class.getResourceAsStream(RESOURCE)) {
            return in == null ? null : parse(in.readAllBytes(), "the ct2j jar (" + RESOURCE + ")");
        }
    }

    /** Reads and validates a constants file. */
    static NumpySvmlLog10 load(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        return parse(bytes, path.toString());
    }

    static NumpySvmlLog10 parse(byte[] bytes, String origin) {
        if (bytes.length < PAYLOAD_BYTES + 4) {
            throw new IllegalArgumentException("too short (" + bytes.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new IllegalArgumentException("not a ct2j numpy log10 constants file (bad magic)");
            }
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int version = buffer.getInt(8);
        int count = buffer.getInt(12);
        if (version != VERSION || count != COUNT) {
            throw new IllegalArgumentException("unsupported version " + version + " / count " + count);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, PAYLOAD_BYTES);
        if ((int) crc.getValue() != buffer.getInt(PAYLOAD_BYTES)) {
            throw new IllegalArgumentException("CRC-32 mismatch (corrupt file)");
        }
        float[] values = new float[COUNT];
        for (int i = 0; i < COUNT; i++) {
            values[i] = buffer.getFloat(16 + 4 * i);
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("non-finite coefficient at " + i);
            }
        }
        for (int i = 4 * LANES; i < COUNT; i++) {
            if (Float.floatToRawIntBits(values[i]) != Float.floatToRawIntBits(values[4 * LANES])) {
                throw new IllegalArgumentException("the log10(2) lanes differ");
            }
        }
        if (Math.abs(values[4 * LANES] - StrictMath.log10(2)) > 1e-7) {
            throw new IllegalArgumentException("log10(2) constant is " + values[4 * LANES]);
        }
        String provenance = new String(bytes, PAYLOAD_BYTES + 4, bytes.length - PAYLOAD_BYTES - 4,
                StandardCharsets.UTF_8).strip();
        NumpySvmlLog10 result = new NumpySvmlLog10(values, origin + (provenance.isEmpty() ? "" : " [" + provenance + "]"));
        result.selfCheck();
        return result;
    }

    /** Rejects tables that are not a log10 approximation (wrong offsets, another function). */
    private void selfCheck() {
        double worst = 0;
        for (int i = 0; i <= 4000; i++) {
            float x = (float) Math.pow(10, -12 + 24.0 * i / 4000);
            double err = Math.abs(log10(x) - StrictMath.log10(x));
            worst = Math.max(worst, err / Math.ulp((float) Math.max(Math.abs(StrictMath.log10(x)), 1e-3)));
        }
        if (!(worst <= 8)) {
            throw new IllegalArgumentException("the constants do not reproduce log10 (error " + worst + " ulp)");
        }
    }

    /** {@code np.log10(x)} for a float32 {@code x}, as numpy computes it with AVX-512. */
    @Override
    public float log10(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (bits <= 0 || bits >= 0x7F800000) {
            // SVML's scalar "rare" path: zeros, negatives, infinities; NaN propagates.
            if (Float.isNaN(x)) {
                return x;
            }
            if (x == 0f) {
                return Float.NEGATIVE_INFINITY;
            }
            return x > 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        }
        int biased = bits >>> 23;
        int mantissa = bits & 0x7FFFFF;
        int exponent;
        if (biased == 0) { // subnormal: getexp/getmant normalise it
            int shift = Integer.numberOfLeadingZeros(mantissa) - 8;
            mantissa = (mantissa << shift) & 0x7FFFFF;
            exponent = -126 - shift;
        } else {
            exponent = biased - 127;
        }
        float m;
        if (mantissa >= 0x400000) { // 1.f >= 1.5: getmant's [0.75, 1.5) interval halves it
            m = Float.intBitsToFloat(0x3F000000 | mantissa);
            exponent += 1;
        } else {
            m = Float.intBitsToFloat(0x3F800000 | mantissa);
        }
        float r = m - 1f;
        int i = mantissa >>> 19;
        float p = Math.fma(r, c0[i], c1[i]);
        p = Math.fma(r, p, c2[i]);
        p = Math.fma(r, p, c3[i]);
        return Math.fma(r, p, (float) exponent * log10Of2);
    }

    String source() {
        return source;
    }
}
