package dev.ct2j.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The Haswell plan's driver model on thread counts this 2-core machine cannot run numpy with:
 * every output must land in exactly one kernel call (the plan asserts it while it is built). The
 * bit-exactness against numpy itself is in {@link FeatureExtractorNumpyStepsTest}.
 */
class HaswellSgemmPlanTest {

    @Test
    void everyOutputIsInOneKernelCallForAnyThreadCount() {
        int plans = 0;
        for (int threads : new int[] {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}) {
            for (int nMels : new int[] {80, 128}) {
                for (int frames = 2; frames < 5000; frames += frames < 200 ? 1 : 37) {
                    HaswellSgemmPlan plan = HaswellSgemmPlan.of(frames, nMels, 201, threads);
                    assertEquals(frames, plan.frames());
                    plans++;
                }
            }
        }
        HaswellSgemmPlan hour = HaswellSgemmPlan.of(360_001, 128, 201, 64); // an hour of audio
        assertEquals(360_001, hour.frames());
        assertTrue(plans > 7000);
    }

    @Test
    void evenOddOutputsSitWhereTheKernelAlternatesAccumulators() {
        // One thread, 3001 frames x 80 mels: M blocks of 320 rows, columns 0-71 in 12-wide groups.
        // In a 320-row call (40 strips, even) the first and last strips of columns 0-5 of each
        // group alternate. Columns 72-79 are two 4-wide calls in the first block (the driver's
        // min_jj has no 8) and one 8-wide group later (single chains).
        HaswellSgemmPlan plan = HaswellSgemmPlan.of(3001, 80, 201, 1);
        int first = plan.blockOf(0);
        assertEquals(HaswellSgemmPlan.EVEN_ODD, plan.order(first, 0, 0));
        assertEquals(HaswellSgemmPlan.EVEN_ODD, plan.order(first, 7, 5));
        assertEquals(HaswellSgemmPlan.SINGLE, plan.order(first, 7, 6));
        assertEquals(HaswellSgemmPlan.SINGLE, plan.order(first, 8, 0));
        assertEquals(HaswellSgemmPlan.EVEN_ODD, plan.order(first, 312, 12));
        assertEquals(HaswellSgemmPlan.SINGLE, plan.order(first, 312, 18));
        assertEquals(HaswellSgemmPlan.EVEN_ODD, plan.order(first, 100, 75));
        int second = plan.blockOf(320);
        assertEquals(first + 1, second);
        assertEquals(HaswellSgemmPlan.EVEN_ODD, plan.order(second, 320, 0));
        assertEquals(HaswellSgemmPlan.SINGLE, plan.order(second, 320, 75));
    }
}
