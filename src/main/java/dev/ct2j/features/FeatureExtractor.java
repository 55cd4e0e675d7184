package dev.ct2j.features;

import dev.ct2j.trace.PhaseTrace;
import java.util.stream.IntStream;

/**
 * Whisper's log-mel spectrogram, reproducing faster-whisper 1.2.1's {@code FeatureExtractor}
 * ({@code faster_whisper/feature_extractor.py}) bit for bit as numpy 2.4.6 computes it on the
 * machine ct2j runs on ({@link #numpyPath()}: x86-64 with AVX2 or AVX-512, see
 * {@link #isNumpyExact()}), and otherwise to within 1e-5 absolute.
 *
 * <p>Instances are immutable and thread-safe: unlike faster-whisper, {@link #compute(float[], int,
 * Integer)} never changes the extractor, so one instance can serve concurrent transcriptions.
 *
 * <p>Each numpy step is reproduced with the arithmetic numpy actually executes:
 * <ul>
 *   <li>Slaney mel filters computed in double and rounded to float, exactly as faster-whisper's
 *       {@code get_mel_filters(...).astype("float32")}; the periodic Hann window likewise.
 *   <li>{@code padding} zeros appended, centred framing with numpy {@code "reflect"} padding
 *       (repeated reflection when the signal is shorter than {@code n_fft / 2}), the float32
 *       product {@code frames * window}, the last STFT frame dropped.
 *   <li>{@code np.fft.rfft}: numpy 2.4 widens the float32 frames to double and runs pocketfft's
 *       double-precision real FFT; {@link PocketRfft} repeats its operations exactly, and the
 *       complex128 result is rounded to complex64 as faster-whisper's {@code astype} does.
 *   <li>{@code np.abs(...) ** 2}: numpy's SIMD complex64 absolute value
 *       ({@link NumpyKernels#complexAbs}) and a float32 square.
 *   <li>{@code mel_filters @ magnitudes}: the float32 accumulation order of the OpenBLAS kernel
 *       numpy's bundled OpenBLAS uses for that shape with the core it selects on this machine,
 *       SkylakeX's or Haswell's ({@link MelPlan}, {@link HaswellSgemmPlan}).
 *   <li>{@code np.log10(np.clip(mel, 1e-10))}: Intel SVML's AVX-512 {@code log10f}, which numpy
 *       calls on AVX-512 CPUs ({@link NumpySvmlLog10}), or else the C library's {@code log10f}
 *       ({@link LibmLog10}). SVML's coefficient tables are numpy's data and are not committed:
 *       {@code scripts/extract-numpy-constants.py} extracts them from the pinned numpy wheel, and
 *       the jar carries that file ({@code dev/ct2j/data/numpy-svml-log10.bin}). Without it the extractor falls back to
 *       a correctly rounded {@code log10} and is then accurate to ~2.4e-7 instead of exact;
 *       {@link #isNumpyExact()} says which applies.
 *   <li>The clamp to {@code max - 8} and {@code (x + 4) / 4} in float, in numpy's order.
 * </ul>
 * All of this is IEEE float and double arithmetic plus {@link Math#fma}, which Java defines
 * exactly (libm's {@code log10f} aside), so for a given {@link NumpyPath} the output does not
 * depend on the machine running the JVM. numpy's own last bits do, which is why the path is
 * detected as numpy and OpenBLAS detect it, and can be forced ({@link NumpyPath}).
 *
 * <p>Memory stays bounded for long inputs: frames are transformed one at a time into per-task
 * scratch, never materialising the padded signal or the complex STFT (faster-whisper's whole-file
 * STFT needs gigabytes for hours of audio). The only large allocation is the output itself.
 * Blocks of frames are processed in parallel on the common fork-join pool; the result does not
 * depend on the scheduling.
 */
public final class FeatureExtractor {

    private static final System.Logger LOG = System.getLogger("dev.ct2j");

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
    private final int[] filterFirstBin; // first non-zero bin of each row
    private final int[] filterEndBin;   // one past the last non-zero bin of each row
    private final float[] window;
    private final PocketRfft fft;
    private final NumpyPath path;
    private final Log10Function log10;
    private final boolean log10Exact;

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
        this(featureSize, samplingRate, hopLength, chunkLength, nFft, NumpyPath.detected());
    }

    private FeatureExtractor(int featureSize, int samplingRate, int hopLength, int chunkLength, int nFft,
            NumpyPath path) {
        if (path == null) {
            throw new IllegalArgumentException("numpy path must not be null");
        }
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
        this.fft = new PocketRfft(nFft);
        this.path = path;
        Log10Function chosen = switch (path.log10()) {
            case SVML -> NumpySvmlLog10.shared();
            case LIBM -> LibmLog10.shared().orElse(null);
            case FALLBACK -> null;
        };
        this.log10Exact = chosen != null;
        this.log10 = chosen != null ? chosen : Log10Function.CORRECTLY_ROUNDED;
        if (!isNumpyExact()) {
            LOG.log(System.Logger.Level.DEBUG, "features within 1e-5 of numpy, not bit-exact: {0}", exactness());
        }

        filterFirstBin = new int[nMels];
        filterEndBin = new int[nMels];
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
            // An all-zero row (none in Whisper's filterbanks) sums nothing and yields the floor.
            filterFirstBin[m] = Math.max(first, 0);
            filterEndBin[m] = end;
        }
    }

    /**
     * The same extractor reproducing another numpy path, for example the one a numpy in another
     * environment takes ({@code OPENBLAS_CORETYPE}, thread count, CPU features).
     */
    public FeatureExtractor withNumpyPath(NumpyPath numpyPath) {
        return new FeatureExtractor(nMels, samplingRate, hopLength, chunkLength, nFft, numpyPath);
    }

    /** The numpy code path this extractor reproduces (by default {@link NumpyPath#detected()}). */
    public NumpyPath numpyPath() {
        return path;
    }

    /**
     * Whether {@link #compute} is bit-identical to faster-whisper 1.2.1 with numpy 2.4.6 taking
     * {@link #numpyPath()}: its OpenBLAS kernels are reproduced (SkylakeX or Haswell) and its
     * {@code log10} is available (SVML's needs numpy's constants, see {@link #exactness()}).
     * Otherwise the features stay within 1e-5 of numpy's (~2.4e-7 for the {@code log10} step).
     */
    public boolean isNumpyExact() {
        return path.exactBlas() && log10Exact;
    }

    /** The path, and for {@code log10} where it comes from or why it is missing. */
    public String exactness() {
        String log10Status = switch (path.log10()) {
            case SVML -> NumpySvmlLog10.status();
            case LIBM -> LibmLog10.status();
            case FALLBACK -> "correctly rounded log10 (numpy's is not reproduced here)";
        };
        return (isNumpyExact() ? "numpy-exact: " : "not numpy-exact: ") + path.describe() + "; " + log10Status;
    }

    /**
     * {@link #exactness()} of an extractor on the detected path. numpy's SVML {@code log10}
     * constants are looked up once per JVM: the file named by the system property
     * {@code ct2j.numpySvmlLog10} or else the environment variable {@code CT2J_NUMPY_SVML_LOG10}
     * ({@code none} turns them off), or else the jar's copy, or else
     * {@code $CT2J_CACHE/numpy-svml-log10.bin} (default {@code ~/.cache/ct2j}).
     */
    public static String numpyExactStatus() {
        return new FeatureExtractor().exactness();
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
        long start = PhaseTrace.start();
        try {
            return computeUntraced(audio, padding, chunkLength);
        } finally {
            PhaseTrace.end("features", start);
        }
    }

    private MelSpectrogram computeUntraced(float[] audio, int padding, Integer chunkLength) {
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
        // The OpenBLAS path depends on the whole product's shape: one matmul over all frames.
        MelPlan plan = MelPlan.of(path, frames, nMels, nBins);
        range.forEach(b -> {
            int from = b * FRAMES_PER_BLOCK;
            int to = Math.min(frames, from + FRAMES_PER_BLOCK);
            blockMax[b] = logMelBlock(audio, n, from, to, frames, plan, out);
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
    private float logMelBlock(float[] audio, int n, int from, int to, int frames, MelPlan plan, float[] out) {
        int count = to - from;
        double[] frame = new double[nFft];
        double[] scratch = new double[nFft];
        float[] power = new float[nBins];
        float[] lanes = new float[16];
        float[] block = new float[nMels * count]; // [nMels][count], so rows copy out contiguously
        int half = nFft / 2;
        float max = Float.NEGATIVE_INFINITY;

        for (int t = from; t < to; t++) {
            int start = t * hopLength - half; // first sample of the frame, in signal coordinates
            if (start >= 0 && start + nFft <= audio.length) {
                for (int k = 0; k < nFft; k++) {
                    // numpy multiplies float32 frames by a float32 window; rfft then widens to double.
                    frame[k] = audio[start + k] * window[k];
                }
            } else {
                for (int k = 0; k < nFft; k++) {
                    frame[k] = sample(audio, n, start + k) * window[k];
                }
            }
            fft.forward(frame, scratch);

            // FFTPACK order r0, r1, i1, ..., r(n/2); rounded to complex64, |z| and z^2 in float32.
            boolean finite = true;
            for (int k = 0; k < nBins; k++) {
                float re;
                float im;
                if (k == 0) {
                    re = (float) frame[0];
                    im = 0f;
                } else if (2 * k == nFft) {
                    re = (float) frame[nFft - 1];
                    im = 0f;
                } else {
                    re = (float) frame[2 * k - 1];
                    im = (float) frame[2 * k];
                }
                float magnitude = NumpyKernels.complexAbs(re, im);
                float p = magnitude * magnitude;
                power[k] = p;
                finite &= Float.isFinite(p);
            }

            int col = t - from;
            int rowBlock = plan.blockOf(t);
            for (int m = 0; m < nMels; m++) {
                NumpyKernels.MelKernel kernel = plan.kernel(rowBlock, t, m);
                // Zero filter weights leave the accumulators unchanged unless a power is inf/NaN.
                int first = finite ? filterFirstBin[m] : 0;
                int end = finite ? filterEndBin[m] : nBins;
                float mel = NumpyKernels.melDot(kernel, melFilters, m * nBins, power, first, end, nBins, lanes);
                // np.clip with the float32 floor, then numpy's float32 log10.
                mel = Math.max(mel, MEL_FLOOR);
                float log = log10.log10(mel);
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

    /** Whether this computes the same features as {@code other}: the same settings and numpy path. */
    public boolean hasSettingsOf(FeatureExtractor other) {
        return other != null && nMels == other.nMels && samplingRate == other.samplingRate
                && hopLength == other.hopLength && chunkLength == other.chunkLength && nFft == other.nFft
                && path.equals(other.path);
    }

    @Override
    public String toString() {
        return "FeatureExtractor[nMels=" + nMels + ", samplingRate=" + samplingRate + ", hopLength=" + hopLength
                + ", chunkLength=" + chunkLength + ", nFft=" + nFft + ", numpy " + path.describe() + "]";
    }
}
