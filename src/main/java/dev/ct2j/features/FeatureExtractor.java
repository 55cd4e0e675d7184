package dev.ct2j.features;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Whisper's log-mel spectrogram, reproducing faster-whisper 1.2.1's {@code FeatureExtractor}
 * ({@code faster_whisper/feature_extractor.py}) to within 1e-5 absolute of its numpy output.
 *
 * <p>Instances are immutable and thread-safe: unlike faster-whisper, {@link #compute(float[], int,
 * Integer)} never changes the extractor, so one instance can serve concurrent transcriptions.
 *
 * <p>What is reproduced, and where it differs internally:
 * <ul>
 *   <li>Slaney mel filters computed in double and rounded to float, exactly as faster-whisper's
 *       {@code get_mel_filters(...).astype("float32")}.
 *   <li>{@code padding} zeros appended, centred STFT with numpy {@code "reflect"} padding
 *       (repeated reflection when the signal is shorter than {@code n_fft / 2}), periodic Hann
 *       window rounded to float, last STFT frame dropped, power spectrum, mel projection,
 *       {@code log10(max(mel, 1e-10))}, clamp to {@code max - 8}, {@code (x + 4) / 4}.
 *   <li>The window product is rounded to float like numpy's float32 {@code frames * window}; the
 *       FFT, power and mel sums run in double (numpy uses float32 pocketfft and sgemm). Rounding the
 *       product is what keeps the low-energy bins within tolerance; the double FFT is more accurate
 *       than numpy's, and the difference from it is ~2e-7 on real audio.
 *   <li>The log, clamp and scaling steps run in float, in numpy's order.
 * </ul>
 *
 * <p>Memory stays bounded for long inputs: frames are transformed one at a time into per-task
 * scratch, never materialising the padded signal or the complex STFT (faster-whisper's whole-file
 * STFT needs gigabytes for hours of audio). The only large allocation is the output itself.
 * Blocks of frames are processed in parallel on the common fork-join pool; the result does not
 * depend on the scheduling.
 */
public final class FeatureExtractor {

    public static final int DEFAULT_FEATURE_SIZE = 80;
    public static final int DEFAULT_SAMPLING_RATE = 16000;
    public static final int DEFAULT_HOP_LENGTH = 160;
    public static final int DEFAULT_CHUNK_LENGTH = 30;
    public static final int DEFAULT_N_FFT = 400;
    /** faster-whisper's default {@code padding} argument of {@code __call__}. */
    public static final int DEFAULT_PADDING = 160;

    // float32(1e-10): numpy clips a float32 array with a Python float, which NEP 50 keeps float32.
    private static final float MEL_FLOOR = 1e-10f;
    private static final float DYNAMIC_RANGE = 8.0f;
    // Leaves room for the JVM's array header limit.
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    // Small enough to give both cores work on a few seconds of audio, large enough that the
    // per-block scratch allocation and task overhead vanish next to the transforms.
    private static final int FRAMES_PER_BLOCK = 128;

    private final int nMels;
    private final int samplingRate;
    private final int hopLength;
    private final int chunkLength;
    private final int nFft;
    private final int nBins;

    private final float[] melFilters;   // [nMels][nBins], as faster-whisper's float32 matrix
    private final double[] filterTaps;  // the non-zero run of each row, widened once
    private final int[] filterFirstBin; // first non-zero bin of each row
    private final int[] filterOffset;   // start of each row's run in filterTaps; nMels + 1 entries
    private final float[] window;
    private final RealFft fft;

    /** Extractor for {@code featureSize} mel bands with Whisper's other defaults. */
    public FeatureExtractor(int featureSize) {
        this(featureSize, DEFAULT_SAMPLING_RATE, DEFAULT_HOP_LENGTH, DEFAULT_CHUNK_LENGTH, DEFAULT_N_FFT);
    }

    /** Extractor for 80 mel bands with Whisper's defaults. */
    public FeatureExtractor() {
        this(DEFAULT_FEATURE_SIZE);
    }

    /**
     * Parameters in faster-whisper's order, as found in a model's {@code preprocessor_config.json}
     * ({@code feature_size, sampling_rate, hop_length, chunk_length, n_fft}).
     *
     * <p>Only the values every Whisper checkpoint ships are accepted for the parameters that shape
     * the filterbank and FFT (80 or 128 mels, 16 kHz, {@code n_fft} 400): those are the ones parity
     * with faster-whisper is tested for. {@code hop_length} and {@code chunk_length} only change the
     * framing and may be any positive value.
     *
     * @throws IllegalArgumentException for an unsupported or non-positive value
     */
    public FeatureExtractor(int featureSize, int samplingRate, int hopLength, int chunkLength, int nFft) {
        if (featureSize != 80 && featureSize != 128) {
            throw new IllegalArgumentException(
                    "feature_size (n_mels) must be 80 or 128 as in Whisper checkpoints, got " + featureSize);
        }
        if (samplingRate != DEFAULT_SAMPLING_RATE) {
            throw new IllegalArgumentException(
                    "sampling_rate must be " + DEFAULT_SAMPLING_RATE + " as in Whisper checkpoints, got " + samplingRate);
        }
        if (nFft != DEFAULT_N_FFT) {
            throw new IllegalArgumentException(
                    "n_fft must be " + DEFAULT_N_FFT + " as in Whisper checkpoints, got " + nFft);
        }
        if (hopLength <= 0) {
            throw new IllegalArgumentException("hop_length must be positive, got " + hopLength);
        }
        if (chunkLength <= 0) {
            throw new IllegalArgumentException("chunk_length must be positive, got " + chunkLength);
        }
        if ((long) chunkLength * samplingRate > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("chunk_length " + chunkLength + " s is too long");
        }
        this.nMels = featureSize;
        this.samplingRate = samplingRate;
        this.hopLength = hopLength;
        this.chunkLength = chunkLength;
        this.nFft = nFft;
        this.nBins = nFft / 2 + 1;
        this.melFilters = melFilters(samplingRate, nFft, featureSize);
        this.window = periodicHann(nFft);
        this.fft = new RealFft(nFft);

        filterFirstBin = new int[nMels];
        filterOffset = new int[nMels + 1];
        int total = 0;
        int[] last = new int[nMels];
        for (int m = 0; m < nMels; m++) {
            int first = -1;
            int end = 0;
            for (int k = 0; k < nBins; k++) {
                if (melFilters[m * nBins + k] != 0f) {
                    if (first < 0) {
                        first = k;
                    }
                    end = k + 1;
                }
            }
            if (first < 0) {
                first = 0; // an empty band just yields the floor, like numpy's all-zero row
            }
            filterFirstBin[m] = first;
            last[m] = end;
            filterOffset[m] = total;
            total += Math.max(0, end - first);
        }
        filterOffset[nMels] = total;
        filterTaps = new double[total];
        for (int m = 0; m < nMels; m++) {
            for (int i = 0, k = filterFirstBin[m]; k < last[m]; i++, k++) {
                filterTaps[filterOffset[m] + i] = melFilters[m * nBins + k];
            }
        }
    }

    public int nMels() {
        return nMels;
    }

    public int samplingRate() {
        return samplingRate;
    }

    public int hopLength() {
        return hopLength;
    }

    public int chunkLength() {
        return chunkLength;
    }

    public int nFft() {
        return nFft;
    }

    /** faster-whisper's {@code n_samples}: samples in one {@code chunk_length} window. */
    public int nSamples() {
        return nSamples(null);
    }

    /** faster-whisper's {@code nb_max_frames}: mel frames in one {@code chunk_length} window. */
    public int nbMaxFrames() {
        return nbMaxFrames(null);
    }

    /**
     * What faster-whisper's {@code n_samples} becomes after a call with {@code chunk_length}; the
     * extractor itself does not change. {@code null} means this extractor's chunk length.
     */
    public int nSamples(Integer chunkLength) {
        return effectiveChunkLength(chunkLength) * samplingRate;
    }

    /** What faster-whisper's {@code nb_max_frames} becomes after a call with {@code chunk_length}. */
    public int nbMaxFrames(Integer chunkLength) {
        return nSamples(chunkLength) / hopLength;
    }

    /** faster-whisper's {@code time_per_frame}, in seconds. */
    public double timePerFrame() {
        return (double) hopLength / samplingRate;
    }

    /** A copy of the float32 mel filterbank, row-major {@code [nMels][nFft / 2 + 1]}. */
    public float[] melFilters() {
        return melFilters.clone();
    }

    /** A copy of the float32 periodic Hann window. */
    float[] window() {
        return window.clone();
    }

    /** Number of frames {@link #compute} returns for {@code samples} samples and {@code padding}. */
    public long outputFrames(long samples, int padding) {
        return (samples + padding) / hopLength;
    }

    /** {@link #compute(float[], int, Integer)} with faster-whisper's defaults: 160 samples of padding. */
    public MelSpectrogram compute(float[] audio) {
        return compute(audio, DEFAULT_PADDING, null);
    }

    /**
     * faster-whisper's {@code FeatureExtractor.__call__(waveform, padding, chunk_length)}.
     *
     * <p>{@code chunkLength} only matters to faster-whisper through the {@code n_samples} and
     * {@code nb_max_frames} fields it overwrites; it never changes the features. Here it is
     * validated and otherwise ignored: ask {@link #nbMaxFrames(Integer)} for the window size.
     *
     * <p>Non-finite samples are rejected rather than propagated: in faster-whisper one NaN turns
     * the global maximum, and therefore every value of the spectrogram, into NaN.
     *
     * @param audio mono samples at {@link #samplingRate()}, nominally in [-1, 1]; not modified
     * @param padding zeros appended before framing (faster-whisper: 160, which yields
     *     {@code audio.length / 160 + 1} frames)
     * @param chunkLength seconds, or {@code null} for the extractor's own
     * @return {@code [nMels][(audio.length + padding) / hopLength]} log-mel values
     * @throws IllegalArgumentException if {@code audio} is null or holds NaN or infinity, if
     *     {@code padding} or {@code chunkLength} is out of range, or if the padded signal is empty
     *     or shorter than one hop (faster-whisper raises from numpy in both cases)
     */
    public MelSpectrogram compute(float[] audio, int padding, Integer chunkLength) {
        if (audio == null) {
            throw new IllegalArgumentException("audio must not be null");
        }
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
        effectiveChunkLength(chunkLength);
        long signalLength = (long) audio.length + padding;
        if (signalLength == 0) {
            throw new IllegalArgumentException(
                    "cannot compute features of an empty signal (no samples and no padding): "
                            + "numpy cannot reflect-pad an empty array");
        }
        if (signalLength + nFft > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("audio.length + padding = " + signalLength + " is too long");
        }
        long frameCount = outputFrames(audio.length, padding);
        if (frameCount == 0) {
            throw new IllegalArgumentException("audio.length + padding = " + signalLength
                    + " is shorter than hop_length " + hopLength + ", which leaves no frame");
        }
        if (frameCount * nMels > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException(
                    frameCount + " frames of " + nMels + " mels do not fit in a Java array");
        }
        for (int i = 0; i < audio.length; i++) {
            if (!Float.isFinite(audio[i])) {
                throw new IllegalArgumentException("audio[" + i + "] is " + audio[i] + "; samples must be finite");
            }
        }

        int frames = (int) frameCount;
        int n = (int) signalLength;
        float[] out = new float[nMels * frames];
        int blocks = (frames + FRAMES_PER_BLOCK - 1) / FRAMES_PER_BLOCK;
        float[] blockMax = new float[blocks];
        IntStream range = IntStream.range(0, blocks);
        if (blocks > 1) {
            range = range.parallel();
        }
        range.forEach(b -> {
            int from = b * FRAMES_PER_BLOCK;
            int to = Math.min(frames, from + FRAMES_PER_BLOCK);
            blockMax[b] = logMelBlock(audio, n, from, to, frames, out);
        });

        float max = Float.NEGATIVE_INFINITY;
        for (float v : blockMax) {
            max = Math.max(max, v);
        }
        // Float arithmetic on purpose: numpy does these steps on float32 arrays and scalars.
        float floor = max - DYNAMIC_RANGE;
        for (int i = 0; i < out.length; i++) {
            out[i] = (Math.max(out[i], floor) + 4.0f) / 4.0f;
        }
        return new MelSpectrogram(nMels, frames, out);
    }

    private int effectiveChunkLength(Integer chunkLength) {
        if (chunkLength == null) {
            return this.chunkLength;
        }
        if (chunkLength <= 0 || (long) chunkLength * samplingRate > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("chunk_length must be positive and at most "
                    + Integer.MAX_VALUE / samplingRate + " s, got " + chunkLength);
        }
        return chunkLength;
    }

    /**
     * Writes log10 mel values of frames {@code [from, to)} into {@code out} (row-major over all
     * {@code frames}) and returns their maximum.
     */
    private float logMelBlock(float[] audio, int n, int from, int to, int frames, float[] out) {
        int count = to - from;
        double[] frame = new double[nFft];
        double[] power = new double[nBins];
        RealFft.Workspace ws = fft.newWorkspace();
        float[] block = new float[nMels * count]; // [nMels][count], so rows copy out contiguously
        int half = nFft / 2;
        float max = Float.NEGATIVE_INFINITY;

        for (int t = from; t < to; t++) {
            int start = t * hopLength - half; // first sample of the frame, in signal coordinates
            if (start >= 0 && start + nFft <= audio.length) {
                for (int k = 0; k < nFft; k++) {
                    // Rounded to float on purpose: numpy multiplies float32 frames by a float32 window.
                    frame[k] = audio[start + k] * window[k];
                }
            } else {
                for (int k = 0; k < nFft; k++) {
                    frame[k] = sample(audio, n, start + k) * window[k];
                }
            }
            fft.powerSpectrum(frame, power, ws);

            int col = t - from;
            for (int m = 0; m < nMels; m++) {
                int off = filterOffset[m];
                int len = filterOffset[m + 1] - off;
                int bin = filterFirstBin[m];
                double acc = 0;
                for (int i = 0; i < len; i++) {
                    acc += filterTaps[off + i] * power[bin + i];
                }
                // The mel energies are float32 in numpy, and so is the floor they are clipped to.
                float mel = Math.max((float) acc, MEL_FLOOR);
                float log = (float) StrictMath.log10(mel);
                block[m * count + col] = log;
                max = Math.max(max, log);
            }
        }
        for (int m = 0; m < nMels; m++) {
            System.arraycopy(block, m * count, out, m * frames + from, count);
        }
        return max;
    }

    /**
     * Sample {@code j} of the zero-padded signal of length {@code n}, extended beyond both ends by
     * numpy's {@code "reflect"} mode (mirror without repeating the edge sample, periodic with
     * period {@code 2 (n - 1)} when the pad is longer than the signal).
     */
    static float sample(float[] audio, int n, int j) {
        if (j < 0 || j >= n) {
            if (n == 1) {
                j = 0;
            } else {
                int period = 2 * (n - 1);
                j = Math.floorMod(j, period);
                if (j >= n) {
                    j = period - j;
                }
            }
        }
        return j < audio.length ? audio[j] : 0f;
    }

    /** {@code np.hanning(nFft + 1)[:-1].astype("float32")}, evaluated like numpy does. */
    static float[] periodicHann(int nFft) {
        int m = nFft + 1;
        double denominator = m - 1;
        float[] w = new float[nFft];
        for (int i = 0; i < nFft; i++) {
            // numpy: n = arange(1 - M, M, 2); 0.5 + 0.5 * cos(pi * n / (M - 1))
            double k = (1 - m) + 2.0 * i;
            w[i] = (float) (0.5 + 0.5 * StrictMath.cos(Math.PI * k / denominator));
        }
        return w;
    }

    /**
     * faster-whisper's {@code get_mel_filters(sr, n_fft, n_mels)} (Slaney scale and norm, 0 to
     * 8000 Hz), computed in double with numpy's operation order, then rounded to float.
     */
    static float[] melFilters(int sr, int nFft, int nMels) {
        int nBins = nFft / 2 + 1;
        // np.fft.rfftfreq(n, d=1/sr): arange(n // 2 + 1) * (1 / (n * d))
        double d = 1.0 / sr;
        double val = 1.0 / (nFft * d);
        double[] fftFreqs = new double[nBins];
        for (int k = 0; k < nBins; k++) {
            fftFreqs[k] = k * val;
        }

        // np.linspace(0, max_mel, n_mels + 2): i * step + start, with the last point set to stop.
        double minMel = 0.0;
        double maxMel = 45.245640471924965; // Slaney mel of 8000 Hz, hard-coded in faster-whisper
        int points = nMels + 2;
        double step = (maxMel - minMel) / (points - 1);
        double[] mels = new double[points];
        for (int i = 0; i < points; i++) {
            mels[i] = i * step + minMel;
        }
        mels[points - 1] = maxMel;

        double fMin = 0.0;
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = (minLogHz - fMin) / fSp;
        double logStep = StrictMath.log(6.4) / 27.0;
        double[] freqs = new double[points];
        for (int i = 0; i < points; i++) {
            freqs[i] = fMin + fSp * mels[i];
            if (mels[i] >= minLogMel) {
                freqs[i] = minLogHz * StrictMath.exp(logStep * (mels[i] - minLogMel));
            }
        }

        float[] weights = new float[nMels * nBins];
        for (int i = 0; i < nMels; i++) {
            double lowerWidth = freqs[i + 1] - freqs[i];
            double upperWidth = freqs[i + 2] - freqs[i + 1];
            double enorm = 2.0 / (freqs[i + 2] - freqs[i]);
            for (int k = 0; k < nBins; k++) {
                double lower = -(freqs[i] - fftFreqs[k]) / lowerWidth;
                double upper = (freqs[i + 2] - fftFreqs[k]) / upperWidth;
                // np.minimum / np.maximum return the second operand on ties (Math.min/max order
                // signed zeros instead); it only decides the sign of the zero at [0, 0], but keeps
                // the filterbank bit-identical.
                double nearest = lower < upper ? lower : upper;
                double w = 0.0 > nearest ? 0.0 : nearest;
                weights[i * nBins + k] = (float) (w * enorm);
            }
        }
        return weights;
    }

    /**
     * Power spectrum {@code |rfft(x)|^2} of a real sequence of even length {@code n}, in double.
     * The sequence is packed into a complex one of length {@code n / 2} (even samples real, odd
     * samples imaginary), transformed by a mixed-radix Stockham FFT (radix 4, 2 and generic odd
     * radices, so 400 = 2 * 200 = 2 * 4 * 2 * 5 * 5 needs no Bluestein step), then unpacked.
     * Twiddles are precomputed; a {@link Workspace} holds the per-thread buffers.
     */
    static final class RealFft {
        private final int n;
        private final int half;
        private final int[] radices;
        private final double[][] twiddleRe; // per stage: [p * (r - 1) + (j - 1)] = W_len^(j p)
        private final double[][] twiddleIm;
        private final double[][] kernelCos; // per stage, odd radix only: cos(2 pi j k / r)
        private final double[][] kernelSin;
        private final double[] unpackRe;    // W_n^k for k in [0, n / 2]
        private final double[] unpackIm;

        RealFft(int n) {
            if (n < 2 || n % 2 != 0) {
                throw new IllegalArgumentException("real FFT length must be even and >= 2, got " + n);
            }
            this.n = n;
            this.half = n / 2;
            this.radices = factor(half);
            int stages = radices.length;
            twiddleRe = new double[stages][];
            twiddleIm = new double[stages][];
            kernelCos = new double[stages][];
            kernelSin = new double[stages][];
            int len = half;
            for (int s = 0; s < stages; s++) {
                int r = radices[s];
                int m = len / r;
                twiddleRe[s] = new double[m * (r - 1)];
                twiddleIm[s] = new double[m * (r - 1)];
                for (int p = 0; p < m; p++) {
                    for (int j = 1; j < r; j++) {
                        double angle = -2.0 * Math.PI * ((long) j * p) / len;
                        twiddleRe[s][p * (r - 1) + j - 1] = StrictMath.cos(angle);
                        twiddleIm[s][p * (r - 1) + j - 1] = StrictMath.sin(angle);
                    }
                }
                if (r != 2 && r != 4 && r != 5) {
                    kernelCos[s] = new double[r * r];
                    kernelSin[s] = new double[r * r];
                    for (int j = 0; j < r; j++) {
                        for (int k = 0; k < r; k++) {
                            double angle = 2.0 * Math.PI * ((j * k) % r) / r;
                            kernelCos[s][j * r + k] = StrictMath.cos(angle);
                            kernelSin[s][j * r + k] = StrictMath.sin(angle);
                        }
                    }
                }
                len = m;
            }
            unpackRe = new double[half + 1];
            unpackIm = new double[half + 1];
            for (int k = 0; k <= half; k++) {
                double angle = -2.0 * Math.PI * k / n;
                unpackRe[k] = StrictMath.cos(angle);
                unpackIm[k] = StrictMath.sin(angle);
            }
        }

        /** Radix 4 first while possible, then 2, then odd factors in increasing order. */
        private static int[] factor(int m) {
            int[] tmp = new int[32];
            int count = 0;
            while (m % 4 == 0) {
                tmp[count++] = 4;
                m /= 4;
            }
            while (m % 2 == 0) {
                tmp[count++] = 2;
                m /= 2;
            }
            for (int f = 3; m > 1; f += 2) {
                while (m % f == 0) {
                    tmp[count++] = f;
                    m /= f;
                }
                if ((long) f * f > m && m > 1) {
                    tmp[count++] = m;
                    m = 1;
                }
            }
            return Arrays.copyOf(tmp, count);
        }

        int length() {
            return n;
        }

        Workspace newWorkspace() {
            int maxRadix = 1;
            for (int r : radices) {
                maxRadix = Math.max(maxRadix, r);
            }
            return new Workspace(half, maxRadix);
        }

        /** Per-thread buffers: two ping-pong complex arrays and a butterfly's inputs. */
        static final class Workspace {
            final double[] aRe;
            final double[] aIm;
            final double[] bRe;
            final double[] bIm;
            final double[] inRe;
            final double[] inIm;

            Workspace(int size, int maxRadix) {
                aRe = new double[size];
                aIm = new double[size];
                bRe = new double[size];
                bIm = new double[size];
                inRe = new double[maxRadix];
                inIm = new double[maxRadix];
            }
        }

        /** Writes {@code |X_k|^2} for {@code k in [0, n / 2]} into {@code power}. */
        void powerSpectrum(double[] x, double[] power, Workspace ws) {
            transform(x, ws);
            double[] zRe = ws.aRe;
            double[] zIm = ws.aIm;
            for (int k = 0; k <= half; k++) {
                int i = k == half ? 0 : k;
                int c = k == 0 ? 0 : half - k;
                // Z[k] = E[k] + i O[k] and conj(Z[half - k]) = E[k] - i O[k] for real even/odd parts.
                double zr = zRe[i];
                double zi = zIm[i];
                double cr = zRe[c];
                double ci = -zIm[c];
                double er = 0.5 * (zr + cr);
                double ei = 0.5 * (zi + ci);
                double or = 0.5 * (zi - ci);
                double oi = -0.5 * (zr - cr);
                double wr = unpackRe[k];
                double wi = unpackIm[k];
                double xr = er + wr * or - wi * oi;
                double xi = ei + wr * oi + wi * or;
                power[k] = xr * xr + xi * xi;
            }
        }

        /** Full complex spectrum {@code X_k, k in [0, n / 2]}; slower path kept for tests. */
        void spectrum(double[] x, double[] outRe, double[] outIm, Workspace ws) {
            transform(x, ws);
            double[] zRe = ws.aRe;
            double[] zIm = ws.aIm;
            for (int k = 0; k <= half; k++) {
                int i = k == half ? 0 : k;
                int c = k == 0 ? 0 : half - k;
                double zr = zRe[i];
                double zi = zIm[i];
                double cr = zRe[c];
                double ci = -zIm[c];
                double er = 0.5 * (zr + cr);
                double ei = 0.5 * (zi + ci);
                double or = 0.5 * (zi - ci);
                double oi = -0.5 * (zr - cr);
                outRe[k] = er + unpackRe[k] * or - unpackIm[k] * oi;
                outIm[k] = ei + unpackRe[k] * oi + unpackIm[k] * or;
            }
        }

        /** Packs {@code x} and leaves the half-length complex DFT in {@code ws.aRe / ws.aIm}. */
        private void transform(double[] x, Workspace ws) {
            double[] sRe = ws.aRe;
            double[] sIm = ws.aIm;
            double[] dRe = ws.bRe;
            double[] dIm = ws.bIm;
            for (int t = 0; t < half; t++) {
                sRe[t] = x[2 * t];
                sIm[t] = x[2 * t + 1];
            }
            int len = half;
            int stride = 1;
            for (int s = 0; s < radices.length; s++) {
                int r = radices[s];
                int m = len / r;
                switch (r) {
                    case 2 -> radix2(sRe, sIm, dRe, dIm, m, stride, twiddleRe[s], twiddleIm[s]);
                    case 4 -> radix4(sRe, sIm, dRe, dIm, m, stride, twiddleRe[s], twiddleIm[s]);
                    case 5 -> radix5(sRe, sIm, dRe, dIm, m, stride, twiddleRe[s], twiddleIm[s]);
                    default -> radixOdd(sRe, sIm, dRe, dIm, r, m, stride, s, ws);
                }
                double[] t = sRe;
                sRe = dRe;
                dRe = t;
                t = sIm;
                sIm = dIm;
                dIm = t;
                len = m;
                stride *= r;
            }
            if (sRe != ws.aRe) {
                System.arraycopy(sRe, 0, ws.aRe, 0, half);
                System.arraycopy(sIm, 0, ws.aIm, 0, half);
            }
        }

        // Stockham decimation in frequency: inputs a_k = src[q + stride (p + k m)], outputs
        // dst[q + stride (r p + j)] = W_len^(j p) * sum_k a_k W_r^(j k); the order sorts itself out.

        private static void radix2(double[] sRe, double[] sIm, double[] dRe, double[] dIm,
                int m, int stride, double[] twRe, double[] twIm) {
            for (int p = 0; p < m; p++) {
                double wr = twRe[p];
                double wi = twIm[p];
                for (int q = 0; q < stride; q++) {
                    int i0 = q + stride * p;
                    int i1 = i0 + stride * m;
                    double ar = sRe[i0];
                    double ai = sIm[i0];
                    double br = sRe[i1];
                    double bi = sIm[i1];
                    int o = q + stride * 2 * p;
                    dRe[o] = ar + br;
                    dIm[o] = ai + bi;
                    double xr = ar - br;
                    double xi = ai - bi;
                    dRe[o + stride] = xr * wr - xi * wi;
                    dIm[o + stride] = xr * wi + xi * wr;
                }
            }
        }

        private static void radix4(double[] sRe, double[] sIm, double[] dRe, double[] dIm,
                int m, int stride, double[] twRe, double[] twIm) {
            int sm = stride * m;
            for (int p = 0; p < m; p++) {
                double w1r = twRe[3 * p];
                double w1i = twIm[3 * p];
                double w2r = twRe[3 * p + 1];
                double w2i = twIm[3 * p + 1];
                double w3r = twRe[3 * p + 2];
                double w3i = twIm[3 * p + 2];
                for (int q = 0; q < stride; q++) {
                    int i0 = q + stride * p;
                    double a0r = sRe[i0];
                    double a0i = sIm[i0];
                    double a1r = sRe[i0 + sm];
                    double a1i = sIm[i0 + sm];
                    double a2r = sRe[i0 + 2 * sm];
                    double a2i = sIm[i0 + 2 * sm];
                    double a3r = sRe[i0 + 3 * sm];
                    double a3i = sIm[i0 + 3 * sm];
                    double t0r = a0r + a2r;
                    double t0i = a0i + a2i;
                    double t1r = a0r - a2r;
                    double t1i = a0i - a2i;
                    double t2r = a1r + a3r;
                    double t2i = a1i + a3i;
                    double t3r = a1r - a3r;
                    double t3i = a1i - a3i;
                    // W_4 = -i: b1 = t1 - i t3, b3 = t1 + i t3
                    double b1r = t1r + t3i;
                    double b1i = t1i - t3r;
                    double b2r = t0r - t2r;
                    double b2i = t0i - t2i;
                    double b3r = t1r - t3i;
                    double b3i = t1i + t3r;
                    int o = q + stride * 4 * p;
                    dRe[o] = t0r + t2r;
                    dIm[o] = t0i + t2i;
                    dRe[o + stride] = b1r * w1r - b1i * w1i;
                    dIm[o + stride] = b1r * w1i + b1i * w1r;
                    dRe[o + 2 * stride] = b2r * w2r - b2i * w2i;
                    dIm[o + 2 * stride] = b2r * w2i + b2i * w2r;
                    dRe[o + 3 * stride] = b3r * w3r - b3i * w3i;
                    dIm[o + 3 * stride] = b3r * w3i + b3i * w3r;
                }
            }
        }

        private static final double C1 = Math.cos(2 * Math.PI / 5);
        private static final double C2 = Math.cos(4 * Math.PI / 5);
        private static final double S1 = Math.sin(2 * Math.PI / 5);
        private static final double S2 = Math.sin(4 * Math.PI / 5);

        // 400 = 2 * 4 * 2 * 5 * 5: the two radix-5 stages cost most, hence a dedicated kernel.
        private static void radix5(double[] sRe, double[] sIm, double[] dRe, double[] dIm,
                int m, int stride, double[] twRe, double[] twIm) {
            int sm = stride * m;
            for (int p = 0; p < m; p++) {
                int tw = 4 * p;
                double w1r = twRe[tw];
                double w1i = twIm[tw];
                double w2r = twRe[tw + 1];
                double w2i = twIm[tw + 1];
                double w3r = twRe[tw + 2];
                double w3i = twIm[tw + 2];
                double w4r = twRe[tw + 3];
                double w4i = twIm[tw + 3];
                for (int q = 0; q < stride; q++) {
                    int i0 = q + stride * p;
                    double a0r = sRe[i0];
                    double a0i = sIm[i0];
                    double a1r = sRe[i0 + sm];
                    double a1i = sIm[i0 + sm];
                    double a2r = sRe[i0 + 2 * sm];
                    double a2i = sIm[i0 + 2 * sm];
                    double a3r = sRe[i0 + 3 * sm];
                    double a3i = sIm[i0 + 3 * sm];
                    double a4r = sRe[i0 + 4 * sm];
                    double a4i = sIm[i0 + 4 * sm];
                    double t1r = a1r + a4r;
                    double t1i = a1i + a4i;
                    double t2r = a2r + a3r;
                    double t2i = a2i + a3i;
                    double t3r = a1r - a4r;
                    double t3i = a1i - a4i;
                    double t4r = a2r - a3r;
                    double t4i = a2i - a3i;
                    double m1r = a0r + C1 * t1r + C2 * t2r;
                    double m1i = a0i + C1 * t1i + C2 * t2i;
                    double m2r = a0r + C2 * t1r + C1 * t2r;
                    double m2i = a0i + C2 * t1i + C1 * t2i;
                    // b1,4 = m1 -/+ i u and b2,3 = m2 -/+ i v, the sine terms of W_5^(jk)
                    double ur = S1 * t3r + S2 * t4r;
                    double ui = S1 * t3i + S2 * t4i;
                    double vr = S2 * t3r - S1 * t4r;
                    double vi = S2 * t3i - S1 * t4i;
                    double b1r = m1r + ui;
                    double b1i = m1i - ur;
                    double b4r = m1r - ui;
                    double b4i = m1i + ur;
                    double b2r = m2r + vi;
                    double b2i = m2i - vr;
                    double b3r = m2r - vi;
                    double b3i = m2i + vr;
                    int o = q + stride * 5 * p;
                    dRe[o] = a0r + t1r + t2r;
                    dIm[o] = a0i + t1i + t2i;
                    dRe[o + stride] = b1r * w1r - b1i * w1i;
                    dIm[o + stride] = b1r * w1i + b1i * w1r;
                    dRe[o + 2 * stride] = b2r * w2r - b2i * w2i;
                    dIm[o + 2 * stride] = b2r * w2i + b2i * w2r;
                    dRe[o + 3 * stride] = b3r * w3r - b3i * w3i;
                    dIm[o + 3 * stride] = b3r * w3i + b3i * w3r;
                    dRe[o + 4 * stride] = b4r * w4r - b4i * w4i;
                    dIm[o + 4 * stride] = b4r * w4i + b4i * w4r;
                }
            }
        }

        /** Any odd radix, pairing a_k with a_(r-k) so each cos/sin product serves both. */
        private void radixOdd(double[] sRe, double[] sIm, double[] dRe, double[] dIm,
                int r, int m, int stride, int stage, Workspace ws) {
            double[] cos = kernelCos[stage];
            double[] sin = kernelSin[stage];
            double[] twRe = twiddleRe[stage];
            double[] twIm = twiddleIm[stage];
            double[] inRe = ws.inRe;
            double[] inIm = ws.inIm;
            int pairs = r / 2;
            int sm = stride * m;
            for (int p = 0; p < m; p++) {
                for (int q = 0; q < stride; q++) {
                    int i0 = q + stride * p;
                    double a0r = sRe[i0];
                    double a0i = sIm[i0];
                    double sumR = a0r;
                    double sumI = a0i;
                    // Stored as sums (index k) and differences (index r - k) of the mirrored inputs.
                    for (int k = 1; k <= pairs; k++) {
                        double xr = sRe[i0 + k * sm];
                        double xi = sIm[i0 + k * sm];
                        double yr = sRe[i0 + (r - k) * sm];
                        double yi = sIm[i0 + (r - k) * sm];
                        inRe[k] = xr + yr;
                        inIm[k] = xi + yi;
                        inRe[r - k] = xr - yr;
                        inIm[r - k] = xi - yi;
                        sumR += xr + yr;
                        sumI += xi + yi;
                    }
                    int o = q + stride * r * p;
                    dRe[o] = sumR;
                    dIm[o] = sumI;
                    for (int j = 1; j < r; j++) {
                        double br = a0r;
                        double bi = a0i;
                        for (int k = 1; k <= pairs; k++) {
                            double c = cos[j * r + k];
                            double sn = sin[j * r + k];
                            // a_k W^(jk) + a_(r-k) W^(-jk) = c (a_k + a_(r-k)) - i sn (a_k - a_(r-k))
                            br += c * inRe[k] + sn * inIm[r - k];
                            bi += c * inIm[k] - sn * inRe[r - k];
                        }
                        double wr = twRe[p * (r - 1) + j - 1];
                        double wi = twIm[p * (r - 1) + j - 1];
                        dRe[o + j * stride] = br * wr - bi * wi;
                        dIm[o + j * stride] = br * wi + bi * wr;
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FeatureExtractor[nMels=" + nMels + ", samplingRate=" + samplingRate + ", hopLength=" + hopLength
                + ", chunkLength=" + chunkLength + ", nFft=" + nFft + "]";
    }
}
