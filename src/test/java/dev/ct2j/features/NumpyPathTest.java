package dev.ct2j.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** How ct2j decides numpy's path: OpenBLAS's core and thread rules and numpy's dispatch rules. */
class NumpyPathTest {

    private static final Set<String> AVX2 = Set.of("avx", "avx2", "fma", "sse4_2");
    private static final Set<String> AVX512 = Set.of("avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw",
            "avx512dq", "avx512vl");
    private static final NumpyPath.CpuInfo ZEN3 = new NumpyPath.CpuInfo("amd64", "AuthenticAMD", "Zen 3", AVX2, 16);
    private static final NumpyPath.CpuInfo XEON = new NumpyPath.CpuInfo("amd64", "GenuineIntel", "Xeon", AVX512, 2);
    private static final NumpyPath.CpuInfo OLD = new NumpyPath.CpuInfo("amd64", "GenuineIntel", "Nehalem",
            Set.of("sse4_2"), 4);
    private static final NumpyPath.CpuInfo ARM = new NumpyPath.CpuInfo("aarch64", "", "", Set.of("asimd"), 8);

    private static NumpyPath detect(Map<String, String> env, NumpyPath.CpuInfo cpu) {
        return NumpyPath.detect(env::get, null, cpu);
    }

    @Test
    void cpuFeaturesPickTheKernelFamilyAndLog10() {
        NumpyPath zen = detect(Map.of(), ZEN3);
        assertEquals(NumpyPath.Blas.HASWELL, zen.blas());
        assertEquals("Zen", zen.blasCore());
        assertEquals(NumpyPath.Log10.LIBM, zen.log10());
        assertEquals(16, zen.blasThreads());
        NumpyPath xeon = detect(Map.of(), XEON);
        assertEquals(NumpyPath.Blas.SKYLAKEX, xeon.blas());
        assertEquals(NumpyPath.Log10.SVML, xeon.log10());
        assertEquals(NumpyPath.Blas.FALLBACK, detect(Map.of(), OLD).blas());
        NumpyPath arm = detect(Map.of(), ARM);
        assertEquals(NumpyPath.Blas.FALLBACK, arm.blas());
        assertEquals(NumpyPath.Log10.FALLBACK, arm.log10());
    }

    @Test
    void openBlasCoretypeOverridesTheCpuAsOpenBlasMatchesIt() {
        assertEquals(NumpyPath.Blas.HASWELL, detect(Map.of("OPENBLAS_CORETYPE", "haswell"), XEON).blas());
        assertEquals(NumpyPath.Blas.HASWELL, detect(Map.of("OPENBLAS_CORETYPE", "ZEN"), XEON).blas());
        assertEquals(NumpyPath.Blas.SKYLAKEX, detect(Map.of("OPENBLAS_CORETYPE", "Cooperlake"), XEON).blas());
        assertEquals(NumpyPath.Blas.SKYLAKEX, detect(Map.of("OPENBLAS_CORETYPE", "SapphireRapids"), XEON).blas());
        // A known core whose kernels ct2j does not reproduce.
        NumpyPath sandy = detect(Map.of("OPENBLAS_CORETYPE", "Sandybridge"), XEON);
        assertEquals(NumpyPath.Blas.FALLBACK, sandy.blas());
        // OpenBLAS warns about an unknown name and picks by CPU: so does ct2j.
        assertEquals(NumpyPath.Blas.SKYLAKEX, detect(Map.of("OPENBLAS_CORETYPE", "Haswell2"), XEON).blas());
        assertEquals(NumpyPath.Blas.HASWELL, detect(Map.of("OPENBLAS_CORETYPE", "nonsense"), ZEN3).blas());
        // The coretype does not change numpy's own SIMD dispatch.
        assertEquals(NumpyPath.Log10.SVML, detect(Map.of("OPENBLAS_CORETYPE", "Haswell"), XEON).log10());
        assertNull(NumpyPath.canonicalCore(""));
    }

    @Test
    void threadsFollowOpenBlasVariablesCappedByTheCpus() {
        assertEquals(3, detect(Map.of("OPENBLAS_NUM_THREADS", "3", "OMP_NUM_THREADS", "8"), ZEN3).blasThreads());
        assertEquals(5, detect(Map.of("GOTO_NUM_THREADS", "5", "OMP_NUM_THREADS", "8"), ZEN3).blasThreads());
        assertEquals(8, detect(Map.of("OMP_NUM_THREADS", "8"), ZEN3).blasThreads());
        assertEquals(8, detect(Map.of("OPENBLAS_NUM_THREADS", "0", "OMP_NUM_THREADS", "8"), ZEN3).blasThreads());
        assertEquals(16, detect(Map.of("OPENBLAS_NUM_THREADS", "99"), ZEN3).blasThreads());
        assertEquals(4, detect(Map.of("OMP_NUM_THREADS", "4,2"), ZEN3).blasThreads()); // atoi("4,2")
        NumpyPath.CpuInfo big = new NumpyPath.CpuInfo("amd64", "AuthenticAMD", "EPYC", AVX2, 256);
        assertEquals(64, detect(Map.of(), big).blasThreads());
        assertEquals(7, NumpyPath.CpuInfo.countCpuList("0-3,8,10-11"));
    }

    @Test
    void numpysFeatureVariablesTurnOffItsAvx512Target() {
        assertEquals(NumpyPath.Log10.LIBM, detect(Map.of("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL"), XEON).log10());
        assertEquals(NumpyPath.Log10.SVML, detect(Map.of("NPY_DISABLE_CPU_FEATURES", "AVX512_SKX"), XEON).log10());
        assertEquals(NumpyPath.Log10.LIBM, detect(Map.of("NPY_DISABLE_CPU_FEATURES", "x86_v4"), XEON).log10());
        assertEquals(NumpyPath.Log10.SVML, detect(Map.of("NPY_DISABLE_CPU_FEATURES", "AVX512_SPR"), XEON).log10());
        assertEquals(NumpyPath.Log10.LIBM, detect(Map.of("NPY_ENABLE_CPU_FEATURES", "X86_V3"), XEON).log10());
        assertEquals(NumpyPath.Log10.SVML, detect(Map.of("NPY_ENABLE_CPU_FEATURES", "X86_V3,X86_V4"), XEON).log10());
    }

    @Test
    void aForcingSpecOverridesEachPartAndBadOnesAreNamed() {
        NumpyPath forced = NumpyPath.detect(Map.<String, String>of()::get, "blas=haswell, threads=1,log10=libm", XEON);
        assertEquals(NumpyPath.Blas.HASWELL, forced.blas());
        assertEquals(1, forced.blasThreads());
        assertEquals(NumpyPath.Log10.LIBM, forced.log10());
        assertTrue(forced.source().startsWith("forced"), forced.source());
        NumpyPath fromEnv = detect(Map.of(NumpyPath.ENVIRONMENT, "threads=4"), ZEN3);
        assertEquals(4, fromEnv.blasThreads());
        assertEquals(NumpyPath.Blas.HASWELL, fromEnv.blas());
        for (String bad : new String[] {"blas=zen4", "threads=0", "threads=x", "speed=fast", "haswell"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NumpyPath.detect(Map.<String, String>of()::get, bad, XEON), bad);
            assertTrue(e.getMessage().contains(NumpyPath.PROPERTY) && e.getMessage().contains(bad.split("=")[0]),
                    e.getMessage());
        }
    }

    @Test
    void anExtractorReportsItsPathAndFallsBackWithinTolerance() {
        FeatureExtractor exact = new FeatureExtractor().withNumpyPath(
                new NumpyPath(NumpyPath.Blas.HASWELL, "Haswell", 2, NumpyPath.Log10.LIBM, "test"));
        assertEquals(NumpyPath.Blas.HASWELL, exact.numpyPath().blas());
        assertTrue(exact.isNumpyExact(), exact.exactness());
        FeatureExtractor fallback = new FeatureExtractor().withNumpyPath(
                new NumpyPath(NumpyPath.Blas.FALLBACK, null, 1, NumpyPath.Log10.FALLBACK, "test"));
        assertTrue(!fallback.isNumpyExact() && fallback.exactness().startsWith("not numpy-exact"), fallback.exactness());
        float[] audio = new float[16000];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (float) (0.4 * Math.sin(i * 0.05) + 0.01 * Math.sin(i * 1.7));
        }
        float[] a = exact.compute(audio).data();
        float[] b = fallback.compute(audio).data();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        assertTrue(max <= 1e-5, "fallback within 1e-5 of the exact path, got " + max);
    }
}
