package dev.ct2j.features;

/**
 * The kernel that computes each output of one {@code mel_filters @ magnitudes} product, for the
 * OpenBLAS kernels of a {@link NumpyPath}: SkylakeX's depends only on the product's shape,
 * Haswell's also on the output's place in the driver's blocking ({@link HaswellSgemmPlan}).
 */
final class MelPlan {

    private final NumpyKernels.MelKernel fixed;   // null: ask the Haswell plan
    private final HaswellSgemmPlan haswell;

    private MelPlan(NumpyKernels.MelKernel fixed, HaswellSgemmPlan haswell) {
        this.fixed = fixed;
        this.haswell = haswell;
    }

    static MelPlan of(NumpyPath path, int frames, int nMels, int k) {
        if (path.blas() == NumpyPath.Blas.HASWELL && frames > 1) {
            return new MelPlan(null, HaswellSgemmPlan.of(frames, nMels, k, path.blasThreads()));
        }
        // One frame: numpy calls sgemv, whose sgemv_t kernel both cores share. The fallback reuses
        // SkylakeX's choice: any FMA order is within 1e-5.
        return new MelPlan(NumpyKernels.MelKernel.select(frames, nMels, k), null);
    }

    /** A handle for {@code frame}'s row block, to pass to {@link #kernel}. */
    int blockOf(int frame) {
        return haswell == null ? 0 : haswell.blockOf(frame);
    }

    NumpyKernels.MelKernel kernel(int block, int frame, int mel) {
        if (fixed != null) {
            return fixed;
        }
        return haswell.order(block, frame, mel) == HaswellSgemmPlan.EVEN_ODD
                ? NumpyKernels.MelKernel.PACKED_EVEN_ODD : NumpyKernels.MelKernel.PACKED;
    }
}
