package dev.ct2j.transcribe;

import java.util.Arrays;

/**
 * numpy's float64 semantics where faster-whisper's word timestamps use numpy: results must match
 * to the last bit, so summation order and rounding follow numpy, not textbook formulas.
 */
final class NumpyMath {
    private static final int PAIRWISE_BLOCK = 128;

    private NumpyMath() {}

    /** np.mean: numpy's pairwise summation, then one division. NaN for an empty array. */
    static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        return (0.0 + pairwiseSum(values, 0, values.length)) / values.length;
    }

    // numpy's pairwise_sum: a plain loop under 8 values, 8 accumulators up to 128, halves above.
    private static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double sum = 0.0;
            for (int i = 0; i < n; i++) {
                sum += a[from + i];
            }
            return sum;
        }
        if (n <= PAIRWISE_BLOCK) {
            double[] r = new double[8];
            for (int k = 0; k < 8; k++) {
                r[k] = a[from + k];
            }
            int i;
            for (i = 8; i < n - (n % 8); i += 8) {
                for (int k = 0; k < 8; k++) {
                    r[k] += a[from + i + k];
                }
            }
            double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                sum += a[from + i];
            }
            return sum;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }

    /** np.median: the middle value, or the mean of the two middle values. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        if (n % 2 == 1) {
            return sorted[n / 2];
        }
        return mean(new double[] {sorted[n / 2 - 1], sorted[n / 2]});
    }

    /** np.round(x, digits) for digits >= 0: scale, round half to even, unscale. */
    static double round(double x, int digits) {
        double scale = Math.pow(10, digits);
        return Math.rint(x * scale) / scale;
    }
}
