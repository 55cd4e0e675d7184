package dev.ct2j.features;

import java.util.Arrays;

/**
 * The float32 kernels behind faster-whisper's {@code np.abs(stft) ** 2} and
 * {@code mel_filters @ magnitudes}, reproduced bit for bit as numpy 2.4.6 runs them on x86-64
 * with AVX2 or AVX-512 (numpy's SIMD dispatch, and the OpenBLAS 0.3.31 bundled with numpy with its
 * SkylakeX or Haswell kernels, see {@link MelPlan}).
 *
 * <p>Everything here is plain IEEE float arithmetic plus {@link Math#fma(float, float, float)},
 * which Java specifies exactly on every platform, so the results do not depend on the machine
 * the JVM runs on.
 */
final class NumpyKernels {

    private NumpyKernels() {
    }

    /**
     * numpy's complex64 absolute value ({@code loops_unary_complex.dispatch.c.src},
     * {@code simd_cabsolute_f32}, AVX2/AVX-512 with FMA): {@code larger * sqrt(fma(r, r, 1))} with
     * {@code r = smaller / larger}. It differs from C's {@code hypotf} in about a third of cases.
     */
    static float complexAbs(float re, float im) {
        float a = Math.abs(re);
        float b = Math.abs(im);
        if (a == Float.POSITIVE_INFINITY || b == Float.POSITIVE_INFINITY) {
            return Float.POSITIVE_INFINITY;
        }
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.NaN;
        }
        float larger = Math.max(a, b);
        float smaller = Math.min(a, b);
        float ratio = larger == 0f ? 0f : smaller / larger;
        // float sqrt through double is correctly rounded (53 >= 2 * 24 + 2 bits)
        float hypot = (float) Math.sqrt(Math.fma(ratio, ratio, 1f));
        return hypot * larger;
    }

    /**
     * Which OpenBLAS code path numpy's {@code mel_filters @ magnitudes} takes. numpy passes the
     * product to BLAS as {@code cblas_sgemm(RowMajor, NoTrans, Trans, nMels, frames, K)} (the
     * magnitudes are a transposed view), or {@code cblas_sgemv} when there is a single frame.
     * OpenBLAS turns the row-major call into a column-major "TN" product of size
     * {@code M = frames, N = nMels, K} and picks, for the SkylakeX core (the Haswell core has no
     * small-matrix kernel, see {@link HaswellSgemmPlan}):
     * <ul>
     *   <li>{@link #GEMV_T} for one frame: {@code sgemv_t} with the Haswell 4x4 micro-kernel.
     *   <li>{@link #SMALL_TN} when {@code M * N * K <= 1e6}, {@code M * N <= 1200} and
     *       {@code K >= 32} ({@code sgemm_small_kernel_permit_skylakex}): the small-matrix TN
     *       kernel with 16-lane accumulators and a tree reduction.
     *   <li>{@link #PACKED} otherwise: the packed 16x4 kernel, one FMA chain per output over
     *       {@code k = 0 .. K-1} ({@code K = 201 < GEMM_Q}, so K is never split).
     * </ul>
     */
    enum MelKernel {
        GEMV_T, SMALL_TN, PACKED,
        /** Haswell's packed kernel where it alternates even-k and odd-k accumulators ({@link HaswellSgemmPlan}). */
        PACKED_EVEN_ODD;

        /** SkylakeX's choice; the Haswell core's is {@link MelPlan}'s. */
        static MelKernel select(int frames, int nMels, int k) {
            if (frames == 1) {
                return GEMV_T;
            }
            double mnk = (double) frames * nMels * k;
            if (mnk <= 1e6 && (long) frames * nMels <= 1200 && k >= 32) {
                return SMALL_TN;
            }
            return PACKED;
        }
    }

    /**
     * One output of {@code filters @ power}: the dot product of a filter row with a power spectrum
     * over bins {@code [from, to)}, accumulated as OpenBLAS's {@code kernel} does for a length-
     * {@code k} reduction. Bins outside {@code [from, to)} must hold zero filter weights and finite
     * powers (their FMAs then leave every accumulator unchanged, so skipping them is exact); pass
     * the full range when a power is infinite or NaN.
     */
    static float melDot(MelKernel kernel, float[] filters, int rowOffset, float[] power, int from, int to, int k,
            float[] lanes) {
        switch (kernel) {
            case PACKED: {
                float acc = 0f;
                for (int i = from; i < to; i++) {
                    acc = Math.fma(filters[rowOffset + i], power[i], acc);
                }
                return acc;
            }
            case PACKED_EVEN_ODD: {
                // Two FMA chains by the parity of k, added at the end (vaddps before the store).
                float even = 0f;
                float odd = 0f;
                for (int i = from; i < to; i++) {
                    if ((i & 1) == 0) {
                        even = Math.fma(filters[rowOffset + i], power[i], even);
                    } else {
                        odd = Math.fma(filters[rowOffset + i], power[i], odd);
                    }
                }
                return even + odd;
            }
            case SMALL_TN: {
                // sgemm_small_kernel_b0_tn_skylakex: lane l accumulates k = l (mod 16), the K % 16
                // tail through a masked load; REDUCE_4 then adds within each 128-bit quarter and
                // across quarters: ((q0 + q1) + (q2 + q3)), q = ((v0 + v1) + (v2 + v3)).
                Arrays.fill(lanes, 0, 16, 0f);
                for (int i = from; i < to; i++) {
                    lanes[i & 15] = Math.fma(power[i], filters[rowOffset + i], lanes[i & 15]);
                }
                float q0 = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
                float q1 = (lanes[4] + lanes[5]) + (lanes[6] + lanes[7]);
                float q2 = (lanes[8] + lanes[9]) + (lanes[10] + lanes[11]);
                float q3 = (lanes[12] + lanes[13]) + (lanes[14] + lanes[15]);
                return (q0 + q1) + (q2 + q3);
            }
            case GEMV_T: {
                // sgemv_t: the first K & ~3 rows through sgemv_kernel_4x4 (haswell micro-kernel,
                // 8-lane FMA accumulators, lanes folded 4 + 4 and then by two horizontal adds),
                // then the K % 4 leftover rows. Only K % 4 == 1 occurs here (K = 201).
                int body = k & ~3;
                if ((k & 3) > 1) {
                    throw new IllegalArgumentException("sgemv_t tail of " + (k & 3) + " rows is not reproduced");
                }
                Arrays.fill(lanes, 0, 8, 0f);
                int end = Math.min(to, body);
                for (int i = from; i < end; i++) {
                    lanes[i & 7] = Math.fma(filters[rowOffset + i], power[i], lanes[i & 7]);
                }
                float s0 = lanes[0] + lanes[4];
                float s1 = lanes[1] + lanes[5];
                float s2 = lanes[2] + lanes[6];
                float s3 = lanes[3] + lanes[7];
                float y = (s0 + s1) + (s2 + s3);
                if ((k & 3) == 1 && to > body && from <= body) {
                    y = Math.fma(filters[rowOffset + body], power[body], y);
                }
                return y;
            }
            default:
                throw new AssertionError(kernel);
        }
    }
}
