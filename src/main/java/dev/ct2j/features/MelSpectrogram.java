package dev.ct2j.features;

import java.util.Arrays;
import java.util.Objects;

/**
 * A log-mel spectrogram, laid out row-major as {@code [nMels][frames]}: the value of mel band
 * {@code m} at frame {@code t} is {@code data[m * frames + t]}.
 *
 * <p>The layout is the one CTranslate2's Whisper encoder expects for a single batch item, so
 * {@link #data()} can be handed to native code as it is. For that reason the record keeps and
 * returns its array without defensive copies: treat it as read-only. {@link #equals}, {@link
 * #hashCode} and {@link #toString} look at the contents, not the array identity.
 *
 * @param nMels number of mel bands (rows), positive
 * @param frames number of 10 ms frames (columns), zero or more
 * @param data {@code nMels * frames} values
 */
public record MelSpectrogram(int nMels, int frames, float[] data) {

    public MelSpectrogram {
        Objects.requireNonNull(data, "data");
        if (nMels <= 0) {
            throw new IllegalArgumentException("nMels must be positive, got " + nMels);
        }
        if (frames < 0) {
            throw new IllegalArgumentException("frames must be >= 0, got " + frames);
        }
        if ((long) nMels * frames != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values, expected nMels * frames = "
                    + nMels + " * " + frames + " = " + (long) nMels * frames);
        }
    }

    /** Value of mel band {@code mel} at frame {@code frame}. */
    public float get(int mel, int frame) {
        Objects.checkIndex(mel, nMels);
        Objects.checkIndex(frame, frames);
        return data[mel * frames + frame];
    }

    /**
     * Copy of frames {@code [from, to)}, like numpy's {@code features[:, from:to]} except that the
     * bounds are checked rather than clamped: callers that slice past the end (faster-whisper's
     * windows near the end of the audio) must clamp {@code to} themselves, which keeps an
     * off-by-one visible instead of silently shortening the window.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <= frames()}
     */
    public MelSpectrogram slice(int from, int to) {
        Objects.checkFromToIndex(from, to, frames);
        int n = to - from;
        float[] out = new float[nMels * n];
        for (int m = 0; m < nMels; m++) {
            System.arraycopy(data, m * frames + from, out, m * n, n);
        }
        return new MelSpectrogram(nMels, n, out);
    }

    /**
     * faster-whisper's {@code pad_or_trim(features, length)}: keeps the first {@code length}
     * frames, or appends frames of zeros up to {@code length}. Returns {@code this} when the
     * length already matches, as the input is never mutated.
     *
     * <p>Copied on purpose from faster-whisper: the padding value is 0 in the (already
     * normalised) log-mel domain, which is not what silence would produce.
     */
    public MelSpectrogram padOrTrim(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        if (length == frames) {
            return this;
        }
        if ((long) nMels * length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("nMels * length = " + (long) nMels * length
                    + " does not fit in a Java array");
        }
        int keep = Math.min(length, frames);
        float[] out = new float[nMels * length];
        for (int m = 0; m < nMels; m++) {
            System.arraycopy(data, m * frames, out, m * length, keep);
        }
        return new MelSpectrogram(nMels, length, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MelSpectrogram other
                && nMels == other.nMels
                && frames == other.frames
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * nMels + frames) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "MelSpectrogram[nMels=" + nMels + ", frames=" + frames + "]";
    }
}
