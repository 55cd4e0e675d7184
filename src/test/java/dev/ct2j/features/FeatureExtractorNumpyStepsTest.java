package dev.ct2j.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each numpy step of faster-whisper's feature extraction against numpy itself, on random inputs
 * written by {@code parity/tools/numpy_feature_steps.py}: pocketfft's rfft, the complex64
 * absolute value and square, the float32 mel matmul through OpenBLAS, and numpy's float32 log10.
 * Every value must be bit-identical; failures print the numpy/OpenBLAS environment the reference
 * came from, since that is what the expected bits depend on.
 */
class FeatureExtractorNumpyStepsTest {

    private static final Path REPO = Path.of(System.getProperty("ct2j.repo", System.getProperty("user.dir")))
            .toAbsolutePath().normalize();
    private static final Path PYTHON = Path.of(System.getProperty("ct2j.python", REPO.resolve(".venv/bin/python").toString()));
    private static final Path SCRIPT = REPO.resolve("parity/tools/numpy_feature_steps.py");

    @TempDir
    static Path dir;

    private static String environment;

    @BeforeAll
    static void runReference() throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "python " + PYTHON + " not found (system property ct2j.python)");
        assertTrue(Files.isRegularFile(SCRIPT), "reference script " + SCRIPT + " not found");
        Path log = dir.resolve("steps.log");
        Process process = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("numpy_feature_steps.py timed out");
        }
        if (process.exitValue() != 0) {
            fail("numpy_feature_steps.py failed:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        String meta = Files.readString(dir.resolve("meta.json"), StandardCharsets.UTF_8);
        int at = meta.indexOf("\"environment\"");
        environment = meta.substring(at, meta.indexOf('}', at) + 1).replaceAll("\\s+", " ");
    }

    @Test
    void rfftIsBitIdenticalToNumpyPocketfft() throws IOException {
        for (int n : new int[] {400, 360}) {
            float[] frames = floats("rfft" + n + "_in.f32");
            float[] expected = floats("rfft" + n + "_out.c64");
            double[] expected64 = doubles("rfft" + n + "_out.c128");
            int count = frames.length / n;
            int bins = n / 2 + 1;
            assertEquals(count * bins * 2, expected.length);
            PocketRfft fft = new PocketRfft(n);
            double[] c = new double[n];
            double[] scratch = new double[n];
            long differing = 0;
            long differing64 = 0;
            for (int f = 0; f < count; f++) {
                for (int i = 0; i < n; i++) {
                    c[i] = frames[f * n + i];
                }
                fft.forward(c, scratch);
                for (int k = 0; k < bins; k++) {
                    double re = k == 0 ? c[0] : (2 * k == n ? c[n - 1] : c[2 * k - 1]);
                    double im = (k == 0 || 2 * k == n) ? 0 : c[2 * k];
                    int at = 2 * (f * bins + k);
                    differing64 += bits(re) != bits(expected64[at]) ? 1 : 0;
                    differing64 += bits(im) != bits(expected64[at + 1]) ? 1 : 0;
                    differing += bits((float) re) != bits(expected[at]) ? 1 : 0;
                    differing += bits((float) im) != bits(expected[at + 1]) ? 1 : 0;
                }
            }
            report("rfft n=" + n + " (complex64)", differing, expected.length);
            report("rfft n=" + n + " (double core)", differing64, expected64.length);
            assertEquals(0, differing, "rfft n=" + n + ": complex64 values differing from numpy; " + environment);
            assertEquals(0, differing64, "rfft n=" + n + ": double values differing from pocketfft; " + environment);
        }
    }

    @Test
    void complexAbsAndPowerAreBitIdenticalToNumpy() throws IOException {
        float[] z = floats("abs_in.c64");
        float[] abs = floats("abs_out.f32");
        float[] power = floats("power_out.f32");
        long differingAbs = 0;
        long differingPower = 0;
        for (int i = 0; i < abs.length; i++) {
            float a = NumpyKernels.complexAbs(z[2 * i], z[2 * i + 1]);
            differingAbs += bits(a) != bits(abs[i]) ? 1 : 0;
            differingPower += bits(a * a) != bits(power[i]) ? 1 : 0;
        }
        report("np.abs(complex64)", differingAbs, abs.length);
        report("np.abs(complex64) ** 2", differingPower, power.length);
        assertEquals(0, differingAbs, "np.abs values differing; " + environment);
        assertEquals(0, differingPower, "np.abs ** 2 values differing; " + environment);
        // The reason this step needs care: C's hypot rounds differently in many cases.
        long hypotDiffers = 0;
        for (int i = 0; i < abs.length; i++) {
            hypotDiffers += bits((float) Math.hypot(z[2 * i], z[2 * i + 1])) != bits(abs[i]) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "[numpy steps] (correctly rounded hypot would differ in %d of %d)%n",
                hypotDiffers, abs.length);
    }

    @Test
    void melMatmulIsBitIdenticalToNumpyOpenBlasForEveryKernelPath() throws IOException {
        Set<NumpyKernels.MelKernel> seen = EnumSet.noneOf(NumpyKernels.MelKernel.class);
        List<String> failures = new ArrayList<>();
        float[] lanes = new float[16];
        for (int nMels : new int[] {80, 128}) {
            float[] filters = floats("filters" + nMels + ".f32");
            assertEquals(0, java.util.Arrays.compare(filters, new FeatureExtractor(nMels).melFilters()),
                    "mel filters, n_mels=" + nMels);
            for (int frames : new int[] {1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, 64, 101, 3001}) {
                float[] in = floats("mm" + nMels + "_" + frames + "_in.f32");
                float[] expected = floats("mm" + nMels + "_" + frames + "_out.f32");
                NumpyKernels.MelKernel kernel = NumpyKernels.MelKernel.select(frames, nMels, 201);
                seen.add(kernel);
                float[] power = new float[201];
                long differing = 0;
                long sparseDiffering = 0;
                for (int t = 0; t < frames; t++) {
                    System.arraycopy(in, t * 201, power, 0, 201);
                    for (int m = 0; m < nMels; m++) {
                        float full = NumpyKernels.melDot(kernel, filters, m * 201, power, 0, 201, 201, lanes);
                        differing += bits(full) != bits(expected[m * frames + t]) ? 1 : 0;
                        // FeatureExtractor only visits the non-zero filter taps: must not matter.
                        int first = 0;
                        while (first < 201 && filters[m * 201 + first] == 0f) {
                            first++;
                        }
                        int end = 201;
                        while (end > first && filters[m * 201 + end - 1] == 0f) {
                            end--;
                        }
                        float sparse = NumpyKernels.melDot(kernel, filters, m * 201, power, first, end, 201, lanes);
                        sparseDiffering += bits(sparse) != bits(full) ? 1 : 0;
                    }
                }
                String label = "matmul n_mels=" + nMels + " frames=" + frames + " " + kernel;
                report(label, differing, expected.length);
                if (differing != 0 || sparseDiffering != 0) {
                    failures.add(label + ": " + differing + " differing, " + sparseDiffering + " sparse/full mismatches");
                }
            }
        }
        assertEquals(EnumSet.allOf(NumpyKernels.MelKernel.class), seen, "every OpenBLAS path exercised");
        assertTrue(failures.isEmpty(), failures + "; " + environment);
    }

    @Test
    void kernelSelectionFollowsOpenBlasThresholds() {
        assertEquals(NumpyKernels.MelKernel.GEMV_T, NumpyKernels.MelKernel.select(1, 80, 201));
        assertEquals(NumpyKernels.MelKernel.SMALL_TN, NumpyKernels.MelKernel.select(15, 80, 201));
        assertEquals(NumpyKernels.MelKernel.PACKED, NumpyKernels.MelKernel.select(16, 80, 201));
        assertEquals(NumpyKernels.MelKernel.SMALL_TN, NumpyKernels.MelKernel.select(9, 128, 201));
        assertEquals(NumpyKernels.MelKernel.PACKED, NumpyKernels.MelKernel.select(10, 128, 201));
        assertEquals(NumpyKernels.MelKernel.PACKED, NumpyKernels.MelKernel.select(60_001, 128, 201));
    }

    @Test
    void log10IsBitIdenticalToNumpyWithTheExtractedSvmlConstants() throws IOException {
        NumpySvmlLog10 svml = NumpySvmlLog10.shared();
        assertNotNull(svml, "numpy's SVML log10 constants are missing: " + NumpySvmlLog10.status());
        float[] x = floats("log10_in.f32");
        float[] expected = floats("log10_out.f32");
        long differing = 0;
        long strictDiffering = 0;
        for (int i = 0; i < x.length; i++) {
            float v = svml.log10(x[i]);
            if (bits(v) != bits(expected[i])) {
                if (differing < 5) {
                    System.out.printf(Locale.ROOT, "[numpy steps] log10(%s): %s, numpy %s%n", x[i], v, expected[i]);
                }
                differing++;
            }
            strictDiffering += bits((float) StrictMath.log10(x[i])) != bits(expected[i]) ? 1 : 0;
        }
        report("np.log10(float32)", differing, x.length);
        System.out.printf(Locale.ROOT, "[numpy steps] (the correctly rounded fallback differs in %d of %d)%n",
                strictDiffering, x.length);
        assertEquals(0, differing, "log10 values differing; " + environment);
    }

    @Test
    void log10HandlesValuesOutsideTheFeaturePath() {
        NumpySvmlLog10 svml = NumpySvmlLog10.shared();
        assertNotNull(svml, NumpySvmlLog10.status());
        assertEquals(Float.NEGATIVE_INFINITY, svml.log10(0f));
        assertEquals(Float.NEGATIVE_INFINITY, svml.log10(-0f));
        assertTrue(Float.isNaN(svml.log10(-1f)));
        assertTrue(Float.isNaN(svml.log10(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, svml.log10(Float.POSITIVE_INFINITY));
        assertEquals(0f, svml.log10(1f));
        assertEquals(1f, svml.log10(10f));
        // Subnormals go through getexp/getmant normalisation, not a rescale of a broken exponent.
        for (float subnormal : new float[] {1e-40f, 3e-42f, Float.MIN_VALUE, Math.nextDown(Float.MIN_NORMAL)}) {
            assertEquals(StrictMath.log10(subnormal), svml.log10(subnormal), 1e-5, "log10(" + subnormal + ")");
        }
    }

    @Test
    void constantsFileIsValidatedBeforeUse() throws IOException {
        NumpySvmlLog10 svml = NumpySvmlLog10.shared();
        assertNotNull(svml, NumpySvmlLog10.status());
        Path file = null;
        for (Path candidate : NumpySvmlLog10.candidates()) {
            if (Files.isRegularFile(candidate)) {
                file = candidate;
                break;
            }
        }
        assertNotNull(file);
        byte[] good = Files.readAllBytes(file);
        assertNotNull(NumpySvmlLog10.parse(good, "copy"));

        byte[] flipped = good.clone();
        flipped[100] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> NumpySvmlLog10.parse(flipped, "flipped"));
        byte[] truncated = java.util.Arrays.copyOf(good, 200);
        assertThrows(IllegalArgumentException.class, () -> NumpySvmlLog10.parse(truncated, "truncated"));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThrows(IllegalArgumentException.class, () -> NumpySvmlLog10.parse(magic, "magic"));

        // Valid CRC but the wrong table (c0 and c1 swapped): the log10 self-check rejects it.
        byte[] swapped = good.clone();
        System.arraycopy(good, 16 + 64, swapped, 16, 64);
        System.arraycopy(good, 16, swapped, 16 + 64, 64);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(swapped, 0, 336);
        ByteBuffer.wrap(swapped).order(ByteOrder.LITTLE_ENDIAN).putInt(336, (int) crc.getValue());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NumpySvmlLog10.parse(swapped, "swapped"));
        assertTrue(e.getMessage().contains("do not reproduce log10"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------

    private static void report(String label, long differing, long total) {
        System.out.printf(Locale.ROOT, "[numpy steps] %-40s differing=%d of %d%n", label, differing, total);
    }

    private static int bits(float v) {
        return Float.floatToIntBits(v);
    }

    private static long bits(double v) {
        return Double.doubleToLongBits(v);
    }

    private static float[] floats(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static double[] doubles(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(name));
        double[] values = new double[bytes.length / Double.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
        return values;
    }
}
