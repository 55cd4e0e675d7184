package dev.ct2j.ctranslate2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.natives.NativeMemory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The memory check of the text models, as memcheck does it for Whisper: per kind, 10 cycles of
 * load -> 20 calls -> close, RSS after each close (one System.gc() and malloc_trim(0), so that
 * freed pages count as freed), then the Theil-Sen slope of those figures over the cycles after
 * the JIT's warm-up, and the RSS after the last close against the one after the first. A handle,
 * replica pool, worker thread or result that close() left behind grows both.
 */
class TextModelsMemoryTest {
    private static final int CYCLES = 10;
    private static final int CALLS = 20;
    private static final int WARMUP = 3; // slope over cycles 4..10
    private static final double MAX_SLOPE_MB_PER_CYCLE = 0.5;
    private static final double MAX_GROWTH_MB = 16;

    private static double rssMb() {
        System.gc();
        NativeMemory.trim();
        return NativeMemory.processStatusBytes("VmRSS").orElseThrow() / (1024.0 * 1024.0);
    }

    /** Theil-Sen: the median of the slopes between every pair of points. */
    static double slope(double[] x, double[] y) {
        List<Double> slopes = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                slopes.add((y[j] - y[i]) / (x[j] - x[i]));
            }
        }
        if (slopes.isEmpty()) {
            return 0;
        }
        double[] s = slopes.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void check(String kind, Supplier<TextModel> load, java.util.function.Consumer<TextModel> work) {
        double[] after = new double[CYCLES];
        for (int c = 0; c < CYCLES; c++) {
            TextModel model = load.get();
            try {
                for (int i = 0; i < CALLS; i++) {
                    work.accept(model);
                }
            } finally {
                model.close();
            }
            after[c] = rssMb();
        }
        double[] x = new double[CYCLES - WARMUP];
        double[] y = Arrays.copyOfRange(after, WARMUP, CYCLES);
        for (int i = 0; i < x.length; i++) {
            x[i] = WARMUP + i + 1;
        }
        double slope = slope(x, y);
        double growth = after[CYCLES - 1] - after[0];
        System.out.printf(Locale.ROOT, "memcheck %s: cycles %d x %d calls, rss_after_close_mb %.1f (first cycle %.1f),"
                        + " rss_slope_mb_per_cycle %.3f, per cycle %s%n", kind, CYCLES, CALLS, after[CYCLES - 1],
                after[0], slope, Arrays.toString(Arrays.stream(after).map(v -> Math.round(v * 10) / 10.0).toArray()));
        assertTrue(slope <= MAX_SLOPE_MB_PER_CYCLE, kind + ": RSS grows by " + slope + " MB per cycle");
        assertTrue(growth <= MAX_GROWTH_MB, kind + ": RSS after the last close is " + growth
                + " MB above the first cycle's");
    }

    @Test
    void slopeIsTheTheilSenFit() {
        assertEquals(2.0, slope(new double[] {1, 2, 3, 4}, new double[] {10, 12, 14, 16}), 1e-12);
        assertEquals(1.0, slope(new double[] {1, 2, 3, 4, 5}, new double[] {1, 2, 3, 4, 50}), 1e-12, "robust to one outlier");
    }

    @Test
    void translatorMemoryComesBackAfterClose() {
        List<List<String>> source = List.of(List.of("t5", "t9", "t12"), List.of("t7", "t30", "t31"));
        TranslationOptions options = TranslationOptions.builder().beamSize(4).returnScores(true).returnAttention(true)
                .maxDecodingLength(20).build();
        check("translator", () -> Translator.load(TextModelsTest.model("translator"), TextModelsTest.ONE_THREAD), m -> {
            Translator t = (Translator) m;
            t.translateBatch(source, options);
            t.scoreBatch(source, source);
        });
    }

    @Test
    void generatorMemoryComesBackAfterClose() {
        TextGenerationOptions options = TextGenerationOptions.builder().maxLength(20).returnScores(true).build();
        check("generator", () -> Generator.load(TextModelsTest.model("generator"), TextModelsTest.ONE_THREAD), m -> {
            Generator g = (Generator) m;
            g.generateBatch(List.of(List.of("<s>", "t5"), List.of("<s>")), options);
            try (TokenStream stream = g.generateTokens(List.of("<s>", "t9"), options)) {
                stream.forEachRemaining(s -> {});
            }
        });
    }

    @Test
    void encoderMemoryComesBackAfterClose() {
        check("encoder", () -> Encoder.load(TextModelsTest.model("encoder"), TextModelsTest.ONE_THREAD),
                m -> ((Encoder) m).forwardBatch(List.of(List.of("t5", "t9", "t12"), List.of("t7"))));
    }
}
