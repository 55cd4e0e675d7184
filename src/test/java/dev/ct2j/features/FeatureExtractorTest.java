package dev.ct2j.features;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity of {@link FeatureExtractor} with faster-whisper 1.2.1's numpy implementation, which runs
 * through {@code parity/tools/reference_features.py}. The Java side always gets the samples the
 * Python side wrote back, so audio decoding is out of the comparison.
 *
 * <p>Two levels: every case within 1e-5 (holds even without numpy's log10 constants), and every
 * float bit-identical ({@link #bitIdenticalToFasterWhisperWithNumpyConstants}), which needs the
 * constants file from {@code scripts/extract-numpy-constants.py}. The per-step comparisons are in
 * {@link FeatureExtractorNumpyStepsTest}.
 *
 * <p>Missing Python, test audio or numpy constants is a failure, not a skip: these tests are the
 * parity evidence.
 */
class FeatureExtractorTest {

    private static final double TOLERANCE = 1e-5;
    private static final List<String> EXPECTED_AUDIO =
            List.of("jfk.flac", "hotwords.mp3", "multilingual.mp3", "stereo_diarization.wav");
    private static final Pattern AUDIO_NAME = Pattern.compile("(?i).*\\.(flac|mp3|wav|ogg|opus|m4a|webm)$");

    private static final Path REPO = Path.of(System.getProperty("ct2j.repo", System.getProperty("user.dir")))
            .toAbsolutePath().normalize();
    private static final Path PYTHON = Path.of(System.getProperty("ct2j.python", REPO.resolve(".venv/bin/python").toString()));
    private static final Path DATA = Path.of(System.getProperty("ct2j.test.data", REPO.resolve("../shared/data").toString()))
            .toAbsolutePath().normalize();
    private static final Path SCRIPT = REPO.resolve("parity/tools/reference_features.py");

    // Shared by all tests so that a reference computed once (one Python run) serves every test.
    @TempDir
    static Path tmp;

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Map<String, Reference> REFERENCES = new ConcurrentHashMap<>();

    /** What the reference script wrote. */
    record Reference(float[] samples, float[] features, int nMels, int frames, float[] filters, float[] window,
            com.fasterxml.jackson.databind.JsonNode dispatch) {
    }

    @Test
    void matchesFasterWhisperOnSharedAudioWithin1e5() throws Exception {
        List<Path> audio = sharedAudio();
        List<Executable> checks = new ArrayList<>();
        for (Path file : audio) {
            for (int nMels : new int[] {80, 128}) {
                Reference ref = reference(file, nMels);
                MelSpectrogram mel = new FeatureExtractor(nMels).compute(ref.samples());
                double diff = maxAbsDiff(ref, mel);
                report(file.getFileName().toString(), nMels, ref, diff);
                checks.add(() -> assertMatches(file.getFileName() + " n_mels=" + nMels, ref, mel));
            }
        }
        assertAll(checks);
    }

    /**
     * The parity target proper: every float equal to faster-whisper's (numpy 2.4.6 in this
     * environment, on the path {@link NumpyPath#detected()} names). On AVX-512 machines that needs
     * numpy's SVML log10 constants, which the build/setup extracts
     * ({@code scripts/extract-numpy-constants.py}); without them this test fails rather than skips.
     */
    @Test
    void bitIdenticalToFasterWhisperWithNumpyConstants() throws Exception {
        assertTrue(new FeatureExtractor().isNumpyExact(),
                "numpy-exact mode is off: " + FeatureExtractor.numpyExactStatus());
        // Like with like: numpy in this environment must take the path ct2j reproduces.
        var dispatch = reference(DATA.resolve("jfk.flac"), 80).dispatch();
        NumpyPath path = new FeatureExtractor().numpyPath();
        NumpyPath.Blas numpyBlas = NumpyPath.familyOf(NumpyPath.canonicalCore(dispatch.get("openblas_corename").asText()));
        assertEquals(numpyBlas, path.blas(), "numpy ran OpenBLAS " + dispatch + ", ct2j reproduces " + path.describe());
        assertEquals(dispatch.get("openblas_threads").asInt(), path.blasThreads(),
                "OpenBLAS threads: numpy " + dispatch + ", ct2j " + path.describe());
        assertEquals(dispatch.get("x86_v4").asBoolean() ? NumpyPath.Log10.SVML : NumpyPath.Log10.LIBM, path.log10(),
                "numpy's log10: " + dispatch + ", ct2j " + path.describe());
        System.out.println("[features exact] numpy path " + path.describe());
        record Case(String label, Reference ref, MelSpectrogram mel) {
        }
        List<Case> cases = new ArrayList<>();
        for (Path file : sharedAudio()) {
            for (int nMels : new int[] {80, 128}) {
                Reference ref = reference(file, nMels);
                cases.add(new Case(file.getFileName() + " n_mels=" + nMels, ref,
                        new FeatureExtractor(nMels).compute(ref.samples())));
            }
        }
        Path empty = Files.write(tmp.resolve("empty.f32"), new byte[0]);
        for (int nMels : new int[] {80, 128}) {
            cases.add(new Case("empty n_mels=" + nMels, reference(empty, nMels, "--raw-input"),
                    new FeatureExtractor(nMels).compute(new float[0])));
        }
        Reference chunk = reference(DATA.resolve("jfk.flac"), 80, "--chunk-length", "10");
        cases.add(new Case("jfk.flac chunk_length=10", chunk,
                new FeatureExtractor(80).compute(chunk.samples(), FeatureExtractor.DEFAULT_PADDING, 10)));
        // Short signals take OpenBLAS's other paths: sgemv for one frame, the small-matrix kernel
        // up to frames * n_mels = 1200 (15 frames at 80 mels, 9 at 128), the packed kernel beyond.
        record Short(int samples, int padding, int nMels) {
        }
        Random random = new Random(42);
        for (Short c : List.of(new Short(1, 160, 80), new Short(250, 160, 80), new Short(161, 0, 80),
                new Short(1000, 0, 80), new Short(2240, 160, 80), new Short(2400, 160, 80),
                new Short(37, 160, 128), new Short(1400, 160, 128), new Short(1440, 160, 128),
                new Short(3333, 7, 128))) {
            float[] signal = new float[c.samples()];
            for (int i = 0; i < signal.length; i++) {
                signal[i] = (float) (0.5 * Math.sin(i * 0.3) + 0.1 * random.nextGaussian());
            }
            Path raw = writeRaw(tmp.resolve("exact-" + c.samples() + "-" + c.padding() + ".f32"), signal);
            Reference ref = reference(raw, c.nMels(), "--raw-input", "--padding", Integer.toString(c.padding()));
            cases.add(new Case(c.samples() + " samples, padding " + c.padding() + " n_mels=" + c.nMels(), ref,
                    new FeatureExtractor(c.nMels()).compute(signal, c.padding(), null)));
        }

        List<Executable> checks = new ArrayList<>();
        for (Case c : cases) {
            long differing = differingFloats(c.ref(), c.mel());
            System.out.printf(Locale.ROOT, "[features exact] %-36s frames=%5d differing floats=%d of %d%n",
                    c.label(), c.ref().frames(), differing, c.ref().features().length);
            checks.add(() -> {
                assertEquals(c.ref().nMels(), c.mel().nMels(), c.label() + ": n_mels");
                assertEquals(c.ref().frames(), c.mel().frames(), c.label() + ": frames");
                assertEquals(0, differing, c.label() + ": floats differing from faster-whisper (max |diff| "
                        + maxAbsDiff(c.ref(), c.mel()) + "; FeatureExtractorNumpyStepsTest shows which numpy "
                        + "step and environment differ)");
            });
        }
        assertAll(checks);
    }

    @Test
    void emptyAudioGivesOneFrameMatchingFasterWhisper() throws Exception {
        Path empty = Files.write(tmp.resolve("empty.f32"), new byte[0]);
        for (int nMels : new int[] {80, 128}) {
            Reference ref = reference(empty, nMels, "--raw-input");
            assertEquals(0, ref.samples().length);
            assertEquals(1, ref.frames(), "faster-whisper frames for empty audio");
            MelSpectrogram mel = new FeatureExtractor(nMels).compute(new float[0]);
            report("empty", nMels, ref, maxAbsDiff(ref, mel));
            assertMatches("empty n_mels=" + nMels, ref, mel);
        }
    }

    @Test
    void chunkLengthLeavesFeaturesAndExtractorUnchanged() throws Exception {
        Path jfk = DATA.resolve("jfk.flac");
        assertTrue(Files.isRegularFile(jfk), "missing test audio " + jfk);
        Reference ref = reference(jfk, 80, "--chunk-length", "10");
        FeatureExtractor extractor = new FeatureExtractor(80);
        MelSpectrogram mel = extractor.compute(ref.samples(), FeatureExtractor.DEFAULT_PADDING, 10);
        report("jfk.flac chunk_length=10", 80, ref, maxAbsDiff(ref, mel));
        assertMatches("jfk.flac chunk_length=10", ref, mel);
        assertEquals(mel, extractor.compute(ref.samples()), "chunk_length must not change the features");
        // faster-whisper would now report nb_max_frames 1000 until the next call; we must not.
        assertEquals(3000, extractor.nbMaxFrames());
        assertEquals(480_000, extractor.nSamples());
        assertEquals(1000, extractor.nbMaxFrames(10));
        assertEquals(160_000, extractor.nSamples(10));
    }

    @Test
    void shortAndUnpaddedSignalsMatchFasterWhisperIncludingRepeatedReflection() throws Exception {
        // Lengths below n_fft / 2 make numpy reflect more than once; padding 0 leaves the reflection
        // to start on real samples at the end too.
        record Case(int samples, int padding) {
        }
        List<Case> cases = List.of(new Case(1, 160), new Case(37, 160), new Case(250, 160),
                new Case(161, 0), new Case(1000, 0), new Case(3333, 7));
        Random random = new Random(42);
        for (Case c : cases) {
            float[] signal = new float[c.samples()];
            for (int i = 0; i < signal.length; i++) {
                signal[i] = (float) (0.5 * Math.sin(i * 0.3) + 0.1 * random.nextGaussian());
            }
            Path raw = writeRaw(tmp.resolve("short-" + c.samples() + "-" + c.padding() + ".f32"), signal);
            Reference ref = reference(raw, 80, "--raw-input", "--padding", Integer.toString(c.padding()));
            MelSpectrogram mel = new FeatureExtractor(80).compute(signal, c.padding(), null);
            String label = c.samples() + " samples, padding " + c.padding();
            report(label, 80, ref, maxAbsDiff(ref, mel));
            assertMatches(label, ref, mel);
        }
    }

    @Test
    void melFiltersAndWindowAreBitIdenticalToFasterWhisper() throws Exception {
        Path raw = writeRaw(tmp.resolve("tiny.f32"), new float[400]);
        for (int nMels : new int[] {80, 128}) {
            Reference ref = reference(raw, nMels, "--raw-input");
            FeatureExtractor extractor = new FeatureExtractor(nMels);
            assertArrayEquals(ref.filters(), extractor.melFilters(), "mel filters, n_mels=" + nMels);
            assertArrayEquals(ref.window(), extractor.window(), "Hann window");
        }
    }

    @Test
    void concurrentCallsOnOneExtractorGiveIdenticalResults() throws Exception {
        FeatureExtractor extractor = new FeatureExtractor(128);
        List<float[]> signals = new ArrayList<>();
        Random random = new Random(7);
        for (int s = 0; s < 4; s++) {
            float[] signal = new float[16000 * (5 + 3 * s)];
            for (int i = 0; i < signal.length; i++) {
                signal[i] = (float) (0.3 * Math.sin(i * (0.01 + 0.005 * s)) + 0.05 * random.nextGaussian());
            }
            signals.add(signal);
        }
        List<MelSpectrogram> expected = signals.stream().map(extractor::compute).toList();

        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                        int i = (first + round) % signals.size();
                        // Alternate chunk lengths too: faster-whisper would race on them.
                        MelSpectrogram mel = extractor.compute(signals.get(i), 160, (round % 2 == 0) ? 10 : null);
                        assertEquals(expected.get(i), mel, "signal " + i + " on thread " + first);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<Void> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(3000, extractor.nbMaxFrames());
    }

    @Test
    void computesTenMinutesOfAudioAndReportsTheTime() {
        // A timing printout for the record, not an assertion: the machines running this vary.
        float[] signal = new float[600 * 16000];
        Random random = new Random(11);
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) (0.3 * Math.sin(i * 0.02) * Math.sin(i * 1e-4) + 0.02 * random.nextGaussian());
        }
        FeatureExtractor extractor = new FeatureExtractor(80);
        MelSpectrogram mel = extractor.compute(signal); // warm-up
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            mel = extractor.compute(signal);
            best = Math.min(best, System.nanoTime() - start);
        }
        assertEquals(60_001, mel.frames());
        for (float v : mel.data()) {
            assertTrue(Float.isFinite(v));
        }
        System.out.printf(Locale.ROOT, "[features timing] 600 s of audio, 80 mels: %.1f ms (best of 3, %d processors)%n",
                best / 1e6, Runtime.getRuntime().availableProcessors());
    }

    @Test
    void pocketRfftMatchesNaiveDft() {
        Random random = new Random(3);
        for (int n : new int[] {2, 4, 6, 8, 10, 12, 18, 30, 50, 64, 200, 360, 400, 480, 1000}) {
            PocketRfft fft = new PocketRfft(n);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = random.nextGaussian();
            }
            double[] c = x.clone();
            fft.forward(c, new double[n]);
            for (int k = 0; k <= n / 2; k++) {
                double re = k == 0 ? c[0] : (2 * k == n ? c[n - 1] : c[2 * k - 1]);
                double im = (k == 0 || 2 * k == n) ? 0 : c[2 * k];
                double sr = 0;
                double si = 0;
                for (int t = 0; t < n; t++) {
                    double angle = -2 * Math.PI * ((long) t * k % n) / n;
                    sr += x[t] * Math.cos(angle);
                    si += x[t] * Math.sin(angle);
                }
                double tol = 1e-12 * n;
                assertEquals(sr, re, tol, "re, n=" + n + " k=" + k);
                assertEquals(si, im, tol, "im, n=" + n + " k=" + k);
            }
        }
        assertArrayEquals(new int[] {4, 4, 5, 5}, new PocketRfft(400).factors());
        assertArrayEquals(new int[] {2, 4, 3, 3, 5}, new PocketRfft(360).factors());
        assertMessage("prime factor 7", () -> new PocketRfft(14));
    }

    @Test
    void pocketfftAngleStepIsTheLongDoubleQuotientRoundedToDouble() {
        // double(0.25L * pi / n) with an x87 long double pi; for these n it equals the double quotient.
        for (int n : new int[] {400, 360, 1000}) {
            assertEquals(0.25 * Math.PI / n, PocketRfft.SinCos2PiByN.angleStep(n), 0.0, "n=" + n);
        }
        assertEquals(Math.PI / 4, PocketRfft.SinCos2PiByN.angleStep(1), Math.ulp(Math.PI / 4));
    }

    @Test
    void outputHasOneFramePerHopPlusOneWithDefaultPadding() {
        FeatureExtractor extractor = new FeatureExtractor();
        for (int samples : new int[] {0, 1, 159, 160, 161, 16000, 480_000}) {
            MelSpectrogram mel = extractor.compute(new float[samples]);
            assertEquals(samples / 160 + 1, mel.frames(), samples + " samples");
            assertEquals(80, mel.nMels());
        }
    }

    @Test
    void rejectsInvalidArgumentsWithClearMessages() {
        FeatureExtractor extractor = new FeatureExtractor();
        assertMessage("audio must not be null", () -> extractor.compute(null));
        assertMessage("padding must be >= 0", () -> extractor.compute(new float[10], -1, null));
        assertMessage("chunk_length must be positive", () -> extractor.compute(new float[10], 160, 0));
        assertMessage("empty signal", () -> extractor.compute(new float[0], 0, null));
        assertMessage("shorter than hop_length", () -> extractor.compute(new float[159], 0, null));
        float[] nan = new float[1000];
        nan[123] = Float.NaN;
        assertMessage("audio[123] is NaN", () -> extractor.compute(nan));
        float[] inf = new float[1000];
        inf[5] = Float.NEGATIVE_INFINITY;
        assertMessage("audio[5] is -Infinity", () -> extractor.compute(inf));
        assertMessage("n_mels) must be 80 or 128", () -> new FeatureExtractor(64));
        assertMessage("n_fft must be 400", () -> new FeatureExtractor(80, 16000, 160, 30, 512));
        assertMessage("sampling_rate must be 16000", () -> new FeatureExtractor(80, 8000, 160, 30, 400));
        assertMessage("hop_length must be positive", () -> new FeatureExtractor(80, 16000, 0, 30, 400));
        assertMessage("chunk_length must be positive", () -> new FeatureExtractor(80, 16000, 160, 0, 400));
    }

    @Test
    void computeDoesNotModifyTheInput() {
        float[] signal = new float[5000];
        for (int i = 0; i < signal.length; i++) {
            signal[i] = (float) Math.sin(i * 0.05);
        }
        float[] copy = signal.clone();
        new FeatureExtractor().compute(signal);
        assertArrayEquals(copy, signal);
    }

    @Test
    void sliceCopiesFrameRangesAndChecksBounds() {
        MelSpectrogram mel = numbered(3, 5);
        MelSpectrogram slice = mel.slice(1, 4);
        assertEquals(3, slice.nMels());
        assertEquals(3, slice.frames());
        assertArrayEquals(new float[] {1, 2, 3, 11, 12, 13, 21, 22, 23}, slice.data());
        assertNotSame(mel.data(), mel.slice(0, 5).data());
        assertEquals(0, mel.slice(5, 5).frames());
        assertThrows(IndexOutOfBoundsException.class, () -> mel.slice(2, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> mel.slice(3, 2));
        assertEquals(12f, mel.get(1, 2));
    }

    @Test
    void padOrTrimZeroPadsOrTruncatesLikeFasterWhisper() {
        MelSpectrogram mel = numbered(2, 3);
        assertArrayEquals(new float[] {0, 1, 2, 0, 0, 10, 11, 12, 0, 0}, mel.padOrTrim(5).data());
        assertArrayEquals(new float[] {0, 1, 10, 11}, mel.padOrTrim(2).data());
        assertSame(mel, mel.padOrTrim(3));
        assertEquals(0, mel.padOrTrim(0).frames());
        assertThrows(IllegalArgumentException.class, () -> mel.padOrTrim(-1));
    }

    @Test
    void spectrogramRejectsInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> new MelSpectrogram(80, 2, new float[159]));
        assertThrows(IllegalArgumentException.class, () -> new MelSpectrogram(0, 0, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new MelSpectrogram(80, -1, new float[0]));
    }

    // ---------------------------------------------------------------------------------------------

    private static MelSpectrogram numbered(int nMels, int frames) {
        float[] data = new float[nMels * frames];
        for (int m = 0; m < nMels; m++) {
            for (int t = 0; t < frames; t++) {
                data[m * frames + t] = 10 * m + t;
            }
        }
        return new MelSpectrogram(nMels, frames, data);
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    private static void assertMatches(String label, Reference ref, MelSpectrogram mel) {
        assertEquals(ref.nMels(), mel.nMels(), label + ": n_mels");
        assertEquals(ref.frames(), mel.frames(), label + ": frames");
        double diff = maxAbsDiff(ref, mel);
        assertTrue(diff <= TOLERANCE, () -> label + ": max |diff| " + diff + " > " + TOLERANCE);
    }

    private static long differingFloats(Reference ref, MelSpectrogram mel) {
        if (ref.features().length != mel.data().length) {
            return Math.max(ref.features().length, mel.data().length);
        }
        long count = 0;
        for (int i = 0; i < ref.features().length; i++) {
            if (Float.floatToIntBits(ref.features()[i]) != Float.floatToIntBits(mel.data()[i])) {
                count++;
            }
        }
        return count;
    }

    private static double maxAbsDiff(Reference ref, MelSpectrogram mel) {
        if (ref.features().length != mel.data().length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < ref.features().length; i++) {
            double d = Math.abs((double) ref.features()[i] - mel.data()[i]);
            if (!(d <= max)) { // NaN counts as a mismatch
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return max;
    }

    private static void report(String label, int nMels, Reference ref, double diff) {
        System.out.printf(Locale.ROOT, "[features parity] %-32s n_mels=%3d samples=%8d frames=%5d max|diff|=%.3e%n",
                label, nMels, ref.samples().length, ref.frames(), diff);
    }

    private static List<Path> sharedAudio() throws IOException {
        assertTrue(Files.isDirectory(DATA), "test audio directory " + DATA + " is missing (system property ct2j.test.data)");
        List<Path> audio;
        try (Stream<Path> files = Files.list(DATA)) {
            audio = files.filter(p -> AUDIO_NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        List<String> names = audio.stream().map(p -> p.getFileName().toString()).toList();
        for (String expected : EXPECTED_AUDIO) {
            assertTrue(names.contains(expected), "test audio " + expected + " is missing from " + DATA);
        }
        return audio;
    }

    /** faster-whisper's features for {@code input}; cached by input contents and arguments. */
    private static Reference reference(Path input, int nMels, String... extra) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(input), "input " + input + " not found");
        String key = input.toAbsolutePath() + "|" + Files.size(input) + "|"
                + Arrays.hashCode(Files.readAllBytes(input)) + "|" + nMels + "|" + String.join(" ", extra);
        Reference cached = REFERENCES.get(key);
        if (cached == null) {
            cached = runReference(input, nMels, extra);
            REFERENCES.put(key, cached);
        }
        return cached;
    }

    private static Reference runReference(Path input, int nMels, String... extra) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "python " + PYTHON + " not found (system property ct2j.python)");
        assertTrue(Files.isRegularFile(SCRIPT), "reference script " + SCRIPT + " not found (system property ct2j.repo)");
        int id = RUNS.getAndIncrement();
        Path out = tmp.resolve("ref-" + id);
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), SCRIPT.toString(),
                input.toString(), Integer.toString(nMels), out.toString()));
        command.addAll(List.of(extra));
        Path log = tmp.resolve("ref-" + id + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("reference script timed out: " + command);
        }
        if (process.exitValue() != 0) {
            fail("reference script failed with exit code " + process.exitValue() + ": " + command + "\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        String meta = Files.readString(out.resolve("meta.json"), StandardCharsets.UTF_8);
        int refMels = jsonInt(meta, "n_mels");
        int frames = jsonInt(meta, "frames");
        float[] samples = readFloats(out.resolve("samples.f32"));
        float[] features = readFloats(out.resolve("features.f32"));
        assertEquals(jsonInt(meta, "samples"), samples.length, "samples.f32 length");
        assertEquals((long) refMels * frames, features.length, "features.f32 length");
        return new Reference(samples, features, refMels, frames,
                readFloats(out.resolve("filters.f32")), readFloats(out.resolve("window.f32")),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta).get("dispatch"));
    }

    private static int jsonInt(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(\\d+)").matcher(json);
        assertTrue(m.find(), "meta.json lacks " + key + ": " + json);
        return Integer.parseInt(m.group(1));
    }

    private static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static Path writeRaw(Path file, float[] samples) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(samples);
        return Files.write(file, buffer.array());
    }
}
