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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Each numpy step of faster-whisper's feature extraction against numpy itself, on random inputs
 * written by {@code parity/tools/numpy_feature_steps.py}: pocketfft's rfft, the complex64
 * absolute value and square, the float32 mel matmul through OpenBLAS, numpy's float32 log10, and
 * whole {@code FeatureExtractor} calls. Every value must be bit-identical.
 *
 * <p>The reference runs once per numpy path this machine can take ({@link #variants()}): the
 * machine's own environment (whatever {@code OPENBLAS_CORETYPE} it sets), OpenBLAS's Haswell core
 * on two threads and on one (its summation order depends on the thread split), its SkylakeX core
 * where the CPU has AVX-512, and numpy without its AVX-512 target (libm's {@code log10f}, as on
 * AVX2-only CPUs). For each, ct2j must first detect the same path from the same environment, then
 * reproduce it. Failures print the numpy/OpenBLAS environment the reference came from.
 */
class FeatureExtractorNumpyStepsTest {

    private static final Path REPO = Path.of(System.getProperty("ct2j.repo", System.getProperty("user.dir")))
            .toAbsolutePath().normalize();
    private static final Path PYTHON = Path.of(System.getProperty("ct2j.python", REPO.resolve(".venv/bin/python").toString()));
    private static final Path SCRIPT = REPO.resolve("parity/tools/numpy_feature_steps.py");
    private static final String NO_NUMPY_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR";

    /** An environment the reference runs in (on top of this JVM's), and so the path numpy takes. */
    record Variant(String name, Map<String, String> env) {
        String getenv(String key) {
            return env.containsKey(key) ? env.get(key) : System.getenv(key);
        }
    }

    /** One reference run: its files, numpy's own account of its dispatch, and what ct2j detected. */
    record Steps(Variant variant, Path dir, JsonNode meta, NumpyPath detected) {
        String environment() {
            return variant.name() + ": " + meta.get("environment");
        }
    }

    @TempDir
    static Path dir;

    private static final List<Steps> STEPS = new ArrayList<>();

    static List<Variant> variants() {
        NumpyPath.CpuInfo cpu = NumpyPath.CpuInfo.read();
        boolean avx512 = cpu.flags().containsAll(Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"));
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("machine environment", Map.of()));
        variants.add(new Variant("OPENBLAS_CORETYPE=Haswell", Map.of("OPENBLAS_CORETYPE", "Haswell")));
        variants.add(new Variant("OPENBLAS_CORETYPE=Haswell, 1 thread",
                Map.of("OPENBLAS_CORETYPE", "Haswell", "OPENBLAS_NUM_THREADS", "1")));
        if (avx512) {
            variants.add(new Variant("OPENBLAS_CORETYPE=SkylakeX", Map.of("OPENBLAS_CORETYPE", "SkylakeX")));
            // What an AVX2-only CPU (Haswell to Zen 3) gives: Haswell kernels and libm's log10f.
            variants.add(new Variant("numpy without AVX-512, Haswell",
                    Map.of("OPENBLAS_CORETYPE", "Haswell", "NPY_DISABLE_CPU_FEATURES", NO_NUMPY_AVX512)));
        }
        System.out.printf(Locale.ROOT, "[numpy steps] CPU %s %s, AVX-512 %s: %d variants%n",
                cpu.vendor(), cpu.model(), avx512, variants.size());
        return variants;
    }

    @BeforeAll
    static void runReference() throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "python " + PYTHON + " not found (system property ct2j.python)");
        assertTrue(Files.isRegularFile(SCRIPT), "reference script " + SCRIPT + " not found");
        int i = 0;
        for (Variant variant : variants()) {
            Path out = dir.resolve("variant-" + i++);
            Path log = dir.resolve(out.getFileName() + ".log");
            ProcessBuilder builder = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), out.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(variant.env());
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("numpy_feature_steps.py timed out (" + variant.name() + ")");
            }
            if (process.exitValue() != 0) {
                fail("numpy_feature_steps.py failed (" + variant.name() + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            JsonNode meta = new ObjectMapper().readTree(out.resolve("meta.json").toFile());
            NumpyPath detected = NumpyPath.detect(variant::getenv, null, NumpyPath.CpuInfo.read());
            System.out.printf(Locale.ROOT, "[numpy steps] %-40s numpy: core %s, %s threads, X86_V4 %s; ct2j: %s%n",
                    variant.name(), meta.at("/environment/openblas_corename").asText(),
                    meta.at("/environment/openblas_threads").asText(), meta.at("/environment/x86_v4").asText(),
                    detected.describe());
            STEPS.add(new Steps(variant, out, meta, detected));
        }
    }

    /** ct2j's detection must name the path numpy reports, or every comparison below is unlike with unlike. */
    @Test
    void ct2jDetectsTheDispatchNumpyReports() {
        List<String> mismatches = new ArrayList<>();
        for (Steps s : STEPS) {
            JsonNode env = s.meta().get("environment");
            NumpyPath.Blas numpyBlas = NumpyPath.familyOf(NumpyPath.canonicalCore(env.get("openblas_corename").asText()));
            int numpyThreads = env.get("openblas_threads").asInt();
            NumpyPath.Log10 numpyLog10 = env.get("x86_v4").asBoolean() ? NumpyPath.Log10.SVML : NumpyPath.Log10.LIBM;
            NumpyPath ct2j = s.detected();
            if (ct2j.blas() != numpyBlas || ct2j.blasThreads() != numpyThreads || ct2j.log10() != numpyLog10) {
                mismatches.add(s.variant().name() + ": numpy ran " + numpyBlas + " on " + numpyThreads + " threads with "
                        + numpyLog10 + " log10, ct2j detected " + ct2j.describe());
            }
        }
        assertTrue(mismatches.isEmpty(), String.join("; ", mismatches));
    }

    @Test
    void rfftIsBitIdenticalToNumpyPocketfft() throws IOException {
        for (Steps s : STEPS) {
            for (int n : new int[] {400, 360}) {
                float[] frames = floats(s, "rfft" + n + "_in.f32");
                float[] expected = floats(s, "rfft" + n + "_out.c64");
                double[] expected64 = doubles(s, "rfft" + n + "_out.c128");
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
                report(s, "rfft n=" + n + " (complex64)", differing, expected.length);
                report(s, "rfft n=" + n + " (double core)", differing64, expected64.length);
                assertEquals(0, differing, "rfft n=" + n + ": complex64 values differing from numpy; " + s.environment());
                assertEquals(0, differing64, "rfft n=" + n + ": double values differing from pocketfft; " + s.environment());
            }
        }
    }

    @Test
    void complexAbsAndPowerAreBitIdenticalToNumpy() throws IOException {
        for (Steps s : STEPS) {
            float[] z = floats(s, "abs_in.c64");
            float[] abs = floats(s, "abs_out.f32");
            float[] power = floats(s, "power_out.f32");
            long differingAbs = 0;
            long differingPower = 0;
            long hypotDiffers = 0;
            for (int i = 0; i < abs.length; i++) {
                float a = NumpyKernels.complexAbs(z[2 * i], z[2 * i + 1]);
                differingAbs += bits(a) != bits(abs[i]) ? 1 : 0;
                differingPower += bits(a * a) != bits(power[i]) ? 1 : 0;
                // The reason this step needs care: C's hypot rounds differently in many cases.
                hypotDiffers += bits((float) Math.hypot(z[2 * i], z[2 * i + 1])) != bits(abs[i]) ? 1 : 0;
            }
            report(s, "np.abs(complex64)", differingAbs, abs.length);
            report(s, "np.abs(complex64) ** 2", differingPower, power.length);
            System.out.printf(Locale.ROOT, "[numpy steps] (correctly rounded hypot would differ in %d of %d)%n",
                    hypotDiffers, abs.length);
            assertEquals(0, differingAbs, "np.abs values differing; " + s.environment());
            assertEquals(0, differingPower, "np.abs ** 2 values differing; " + s.environment());
        }
    }

    @Test
    void melMatmulIsBitIdenticalToNumpyOpenBlasForEveryKernelPath() throws IOException {
        List<String> failures = new ArrayList<>();
        float[] lanes = new float[16];
        for (Steps s : STEPS) {
            Set<NumpyKernels.MelKernel> seen = EnumSet.noneOf(NumpyKernels.MelKernel.class);
            for (JsonNode shape : s.meta().get("matmul")) {
                int nMels = shape.get(0).asInt();
                int frames = shape.get(1).asInt();
                float[] filters = floats(s, "filters" + nMels + ".f32");
                assertEquals(0, java.util.Arrays.compare(filters, new FeatureExtractor(nMels).melFilters()),
                        "mel filters, n_mels=" + nMels);
                float[] in = floats(s, "mm" + nMels + "_" + frames + "_in.f32");
                float[] expected = floats(s, "mm" + nMels + "_" + frames + "_out.f32");
                MelPlan plan = MelPlan.of(s.detected(), frames, nMels, 201);
                float[] power = new float[201];
                long differing = 0;
                long sparseDiffering = 0;
                for (int t = 0; t < frames; t++) {
                    System.arraycopy(in, t * 201, power, 0, 201);
                    int block = plan.blockOf(t);
                    for (int m = 0; m < nMels; m++) {
                        NumpyKernels.MelKernel kernel = plan.kernel(block, t, m);
                        seen.add(kernel);
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
                String label = "matmul n_mels=" + nMels + " frames=" + frames;
                report(s, label, differing, expected.length);
                if (differing != 0 || sparseDiffering != 0) {
                    failures.add(s.variant().name() + " " + label + ": " + differing + " differing, " + sparseDiffering
                            + " sparse/full mismatches (" + s.meta().get("environment") + ")");
                }
            }
            Set<NumpyKernels.MelKernel> expectedKernels = switch (s.detected().blas()) {
                case SKYLAKEX -> EnumSet.of(NumpyKernels.MelKernel.GEMV_T, NumpyKernels.MelKernel.SMALL_TN,
                        NumpyKernels.MelKernel.PACKED);
                case HASWELL -> EnumSet.of(NumpyKernels.MelKernel.GEMV_T, NumpyKernels.MelKernel.PACKED,
                        NumpyKernels.MelKernel.PACKED_EVEN_ODD);
                case FALLBACK -> seen;
            };
            assertEquals(expectedKernels, seen, "every OpenBLAS path exercised; " + s.environment());
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
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
    void log10IsBitIdenticalToNumpyOnEveryPath() throws IOException {
        for (Steps s : STEPS) {
            FeatureExtractor extractor = new FeatureExtractor().withNumpyPath(s.detected());
            assertTrue(extractor.isNumpyExact(), extractor.exactness());
            Log10Function log10 = switch (s.detected().log10()) {
                case SVML -> NumpySvmlLog10.shared();
                case LIBM -> LibmLog10.shared().orElseThrow();
                case FALLBACK -> Log10Function.CORRECTLY_ROUNDED;
            };
            float[] x = floats(s, "log10_in.f32");
            float[] expected = floats(s, "log10_out.f32");
            long differing = 0;
            long strictDiffering = 0;
            for (int i = 0; i < x.length; i++) {
                float v = log10.log10(x[i]);
                if (bits(v) != bits(expected[i])) {
                    if (differing < 5) {
                        System.out.printf(Locale.ROOT, "[numpy steps] log10(%s): %s, numpy %s%n", x[i], v, expected[i]);
                    }
                    differing++;
                }
                strictDiffering += bits((float) StrictMath.log10(x[i])) != bits(expected[i]) ? 1 : 0;
            }
            report(s, "np.log10(float32) " + s.detected().log10(), differing, x.length);
            System.out.printf(Locale.ROOT, "[numpy steps] (the correctly rounded fallback differs in %d of %d)%n",
                    strictDiffering, x.length);
            assertEquals(0, differing, "log10 values differing; " + s.environment());
        }
    }

    /** The whole pipeline on each path: FeatureExtractor against faster-whisper's FeatureExtractor. */
    @Test
    void wholeFeaturesAreBitIdenticalOnEveryPath() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Steps s : STEPS) {
            for (JsonNode c : s.meta().get("whole")) {
                int nMels = c.get(0).asInt();
                int length = c.get(1).asInt();
                float[] in = floats(s, "whole" + nMels + "_" + length + "_in.f32");
                float[] expected = floats(s, "whole" + nMels + "_" + length + "_out.f32");
                float[] actual = new FeatureExtractor(nMels).withNumpyPath(s.detected()).compute(in).data();
                assertEquals(expected.length, actual.length, "feature count, " + length + " samples");
                long differing = 0;
                for (int i = 0; i < expected.length; i++) {
                    differing += bits(actual[i]) != bits(expected[i]) ? 1 : 0;
                }
                report(s, "features n_mels=" + nMels + " samples=" + length, differing, expected.length);
                if (differing != 0) {
                    failures.add(s.variant().name() + " n_mels=" + nMels + " samples=" + length + ": " + differing
                            + " floats differ (" + s.meta().get("environment") + ")");
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    @Test
    void log10HandlesValuesOutsideTheFeaturePath() {
        NumpySvmlLog10 svml = NumpySvmlLog10.shared();
        assertNotNull(svml, NumpySvmlLog10.status());
        if (System.getProperty(NumpySvmlLog10.PROPERTY) == null && System.getenv(NumpySvmlLog10.ENVIRONMENT) == null) {
            assertTrue(NumpySvmlLog10.status().contains("the ct2j jar"), "the jar carries the table: " + NumpySvmlLog10.status());
        }
        Log10Function libm = LibmLog10.shared().orElseThrow(() -> new AssertionError(LibmLog10.status()));
        for (Log10Function f : List.of(svml, libm)) {
            assertEquals(Float.NEGATIVE_INFINITY, f.log10(0f));
            assertEquals(Float.NEGATIVE_INFINITY, f.log10(-0f));
            assertTrue(Float.isNaN(f.log10(-1f)));
            assertTrue(Float.isNaN(f.log10(Float.NaN)));
            assertEquals(Float.POSITIVE_INFINITY, f.log10(Float.POSITIVE_INFINITY));
            assertEquals(0f, f.log10(1f));
            assertEquals(1f, f.log10(10f));
        }
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

    private static void report(Steps s, String label, long differing, long total) {
        System.out.printf(Locale.ROOT, "[numpy steps] %-36s %-44s differing=%d of %d%n", s.variant().name(), label,
                differing, total);
    }

    private static int bits(float v) {
        return Float.floatToIntBits(v);
    }

    private static long bits(double v) {
        return Double.doubleToLongBits(v);
    }

    private static float[] floats(Steps s, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(s.dir().resolve(name));
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static double[] doubles(Steps s, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(s.dir().resolve(name));
        double[] values = new double[bytes.length / Double.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
        return values;
    }
}
