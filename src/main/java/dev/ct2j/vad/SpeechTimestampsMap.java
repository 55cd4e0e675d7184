package dev.ct2j.vad;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Maps times in the speech-only audio (what {@link SpeechTimestamps#collectChunks} produced) back to times
 * in the original audio: faster-whisper's {@code SpeechTimestampsMap}, with Python's {@code int()},
 * {@code bisect_right} and {@code round(x, n)} semantics. Immutable and thread-safe.
 */
public final class SpeechTimestampsMap {

    private final int samplingRate;
    private final int timePrecision;
    private final long[] chunkEndSample;
    private final double[] totalSilenceBefore;

    /** faster-whisper's default {@code time_precision=2}. */
    public SpeechTimestampsMap(List<SpeechChunk> chunks, int samplingRate) {
        this(chunks, samplingRate, 2);
    }

    public SpeechTimestampsMap(List<SpeechChunk> chunks, int samplingRate, int timePrecision) {
        if (samplingRate <= 0) {
            throw new IllegalArgumentException("sampling rate must be > 0, got " + samplingRate);
        }
        this.samplingRate = samplingRate;
        this.timePrecision = timePrecision;
        this.chunkEndSample = new long[chunks.size()];
        this.totalSilenceBefore = new double[chunks.size()];
        long previousEnd = 0;
        long silentSamples = 0;
        for (int i = 0; i < chunks.size(); i++) {
            SpeechChunk chunk = chunks.get(i);
            silentSamples += chunk.start() - previousEnd;
            previousEnd = chunk.end();
            chunkEndSample[i] = chunk.end() - silentSamples;
            totalSilenceBefore[i] = (double) silentSamples / samplingRate;
        }
    }

    /** {@code getOriginalTime(time, null, false)}. */
    public double getOriginalTime(double time) {
        return getOriginalTime(time, null, false);
    }

    /**
     * The time in the original audio: {@code round(silence_before[chunk] + time, time_precision)}.
     *
     * @param chunkIndex the chunk the time belongs to, or null to find it with {@link #getChunkIndex}; negative
     *                   values count from the end, like a Python list index
     * @throws IndexOutOfBoundsException when the index is out of range, e.g. for a map without chunks
     *                                   (faster-whisper raises IndexError)
     */
    public double getOriginalTime(double time, Integer chunkIndex, boolean isEnd) {
        return getOriginalTime(time, chunkIndex, isEnd, false);
    }

    /**
     * As {@link #getOriginalTime(double, Integer, boolean)}; with {@code numpyScalar} the time is a
     * numpy float64 (faster-whisper's word times are), and Python's round() then follows numpy:
     * scale, round half to even, unscale.
     */
    public double getOriginalTime(double time, Integer chunkIndex, boolean isEnd, boolean numpyScalar) {
        int index = chunkIndex != null ? chunkIndex : getChunkIndex(time, isEnd);
        int n = totalSilenceBefore.length;
        int resolved = index < 0 ? index + n : index;
        if (resolved < 0 || resolved >= n) {
            throw new IndexOutOfBoundsException("chunk index " + index + " out of range for " + n + " speech chunks");
        }
        double value = totalSilenceBefore[resolved] + time;
        if (numpyScalar) {
            double scale = Math.pow(10, timePrecision);
            return Math.rint(value * scale) / scale;
        }
        return pythonRound(value, timePrecision);
    }

    /**
     * The chunk holding {@code time}: with {@code isEnd}, a time exactly at a chunk's end belongs to that chunk
     * rather than the next one.
     *
     * @return the chunk index; -1 for a map without chunks (faster-whisper's {@code min(0, len - 1)})
     */
    public int getChunkIndex(double time, boolean isEnd) {
        long sample = pythonInt(time * samplingRate);
        if (isEnd) {
            for (int i = 0; i < chunkEndSample.length; i++) {
                if (chunkEndSample[i] == sample) {
                    return i;
                }
            }
        }
        return Math.min(bisectRight(chunkEndSample, sample), chunkEndSample.length - 1);
    }

    /** Python's {@code int(float)}: truncation toward zero; NaN and infinities raise. */
    private static long pythonInt(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("cannot convert " + value + " to an integer sample index");
        }
        return (long) value;
    }

    /** Python's {@code bisect.bisect_right}: the insertion point after any equal entries. */
    private static int bisectRight(long[] sorted, long value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (value < sorted[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Python's {@code round(x, ndigits)} for floats: the exact binary value rounded half-even, then the
     * nearest double; the sign of a zero result follows {@code x}, and non-finite values pass through.
     */
    static double pythonRound(double x, int ndigits) {
        if (!Double.isFinite(x)) {
            return x;
        }
        double rounded = new BigDecimal(x).setScale(ndigits, RoundingMode.HALF_EVEN).doubleValue();
        return rounded == 0 ? Math.copySign(0.0, x) : rounded;
    }
}
