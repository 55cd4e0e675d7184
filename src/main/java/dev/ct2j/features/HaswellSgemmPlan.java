package dev.ct2j.features;

import java.util.ArrayList;
import java.util.List;

/**
 * Which summation order OpenBLAS 0.3.31's Haswell {@code sgemm} (also run by its Zen core) uses for
 * each output of numpy's {@code mel_filters @ magnitudes}, so that {@link NumpyKernels#melDot} can
 * repeat it bit for bit.
 *
 * <p>OpenBLAS computes the column-major TN product {@code C[M x N] = A^T B} with {@code M} = frames,
 * {@code N} = mel bands and {@code K} = 201 bins ({@code K < GEMM_Q}, so K is never split). Its
 * Haswell micro-kernel ({@code sgemm_kernel_8x4_haswell_2.c}) keeps one FMA chain per output over
 * {@code k = 0 .. K-1}, except in three places where it alternates two accumulator sets, even
 * {@code k} and odd {@code k}, and adds them at the end:
 * <ul>
 *   <li>12-column groups ({@code COMPUTE_n12}) of a call with at least 16 rows: columns 0-5 of the
 *       first 8-row strip ({@code COMPUTE_H_m8n6}); and the last full strip, columns 0-5 when the
 *       call has an even number of strips, 6-11 when odd ({@code COMPUTE_T_m8n6});
 *   <li>4-column groups ({@code COMPUTE_m8n4}): every full 8-row strip.
 * </ul>
 * Which outputs fall where depends on how the driver cuts the product into kernel calls: the
 * thread count (interface/gemm.c's MNK threshold, then level3_thread.c's M and N partitions), the
 * M blocking by {@code GEMM_P} = 320, and the column chunks of each call ({@code min_jj} of 12 or 4
 * for a thread's own part of B in its first M block, {@code div_n} = half a part otherwise). All
 * of it is reproduced here from the OpenBLAS sources; numpy's thread count is the one OpenBLAS
 * picks ({@link NumpyPath#blasThreads()}).
 */
final class HaswellSgemmPlan {

    static final byte SINGLE = 0;
    static final byte EVEN_ODD = 1;

    // Column kinds inside one kernel call.
    private static final byte COL_SINGLE = 0;
    private static final byte COL_N12_LEFT = 1;
    private static final byte COL_N12_RIGHT = 2;
    private static final byte COL_N4 = 3;
    private static final byte COL_UNSET = -1;

    private static final int GEMM_P = 320;
    private static final int UNROLL_M = 8;
    private static final int UNROLL_N = 4;
    private static final int SWITCH_RATIO = 8;
    private static final int GEMM_PREFERED_SIZE = 8;
    private static final int DIVIDE_RATE = 2;
    private static final double MULTITHREAD_MNK = 65536.0 * 4;

    /** One kernel call's rows: {@code [start, start + rows)} with a column kind per output column. */
    private record Block(int start, int rows, byte[] columnKinds) {
    }

    private final int frames;
    private final Block[] blocks; // sorted by start, covering [0, frames)

    private HaswellSgemmPlan(int frames, Block[] blocks) {
        this.frames = frames;
        this.blocks = blocks;
    }

    /** The plan for {@code frames x nMels} outputs with {@code k} bins, on {@code threads} OpenBLAS threads. */
    static HaswellSgemmPlan of(int frames, int nMels, int k, int threads) {
        int m = frames;
        int n = nMels;
        double mnk = (double) m * n * k;
        int nthreads;
        if (mnk <= MULTITHREAD_MNK) {
            nthreads = 1;
        } else {
            nthreads = Math.max(1, threads);
            if (mnk / nthreads < MULTITHREAD_MNK) {
                nthreads = (int) (mnk / MULTITHREAD_MNK);
            }
        }
        // level3_thread.c: the 2D split of the threads.
        int nthreadsM;
        int nthreadsN;
        if (m < 2 * SWITCH_RATIO) {
            nthreadsM = 1;
        } else {
            nthreadsM = nthreads;
            while (m < nthreadsM * SWITCH_RATIO) {
                nthreadsM /= 2;
            }
        }
        if (n < SWITCH_RATIO * nthreadsM) {
            nthreadsN = 1;
        } else {
            nthreadsN = (n + SWITCH_RATIO * nthreadsM - 1) / (SWITCH_RATIO * nthreadsM);
            if (nthreadsM * nthreadsN > nthreads) {
                nthreadsN = nthreads / nthreadsM;
            }
            while (nthreadsM % 2 == 0
                    && (long) n * nthreadsM + (long) m * nthreadsN > (long) n * (nthreadsM / 2) + (long) m * (nthreadsN * 2)) {
                nthreadsM /= 2;
                nthreadsN *= 2;
            }
        }
        List<Block> blocks = new ArrayList<>();
        if (nthreadsM * nthreadsN <= 1) {
            singleThreaded(m, n, blocks);
        } else {
            threaded(m, n, nthreadsM, nthreadsN, blocks);
        }
        blocks.sort((a, b) -> Integer.compare(a.start, b.start));
        int covered = 0;
        for (Block b : blocks) {
            if (b.start != covered) {
                throw new AssertionError("rows " + covered + ".." + b.start + " in no kernel call");
            }
            for (byte kind : b.columnKinds) {
                if (kind == COL_UNSET) {
                    throw new AssertionError("a column of rows " + b.start + "+" + b.rows + " in no kernel call");
                }
            }
            covered += b.rows;
        }
        if (covered != frames) {
            throw new AssertionError("kernel calls cover " + covered + " of " + frames + " rows");
        }
        return new HaswellSgemmPlan(frames, blocks.toArray(Block[]::new));
    }

    /** level3.c: the first M block takes B in {@code min_jj} chunks, later blocks all N at once. */
    private static void singleThreaded(int m, int n, List<Block> out) {
        int minI = firstBlockRows(m);
        byte[] first = unset(n);
        chunkedByMinJj(first, 0, n);
        out.add(new Block(0, minI, first));
        byte[] rest = unset(n);
        kernelColumns(rest, 0, n);
        for (int is = minI; is < m; is += minI) {
            minI = laterBlockRowsSingle(m - is);
            out.add(new Block(is, minI, rest));
        }
    }

    private static void threaded(int m, int n, int nthreadsM, int nthreadsN, List<Block> out) {
        int nthreads = nthreadsM * nthreadsN;
        int[] rangeM = partition(m, nthreadsM, false);
        int[] rangeN = partition(n, nthreads, true);
        for (int mypos = 0; mypos < nthreads; mypos++) {
            int myposN = mypos / nthreadsM;
            int myposM = mypos - myposN * nthreadsM;
            int mFrom = rangeM[myposM];
            int mTo = rangeM[myposM + 1];
            if (mTo <= mFrom) {
                continue;
            }
            int groupFrom = myposN * nthreadsM;
            int groupTo = (myposN + 1) * nthreadsM;
            // First M block: the thread's own part of B in min_jj chunks, the group's other parts
            // in div_n chunks.
            int minI = firstBlockRows(mTo - mFrom);
            byte[] first = unset(n);
            byte[] rest = unset(n);
            for (int current = groupFrom; current < groupTo; current++) {
                int from = rangeN[current];
                int to = rangeN[current + 1];
                int divN = (to - from + DIVIDE_RATE - 1) / DIVIDE_RATE;
                for (int js = from; js < to; js += divN) {
                    int end = Math.min(to, js + divN);
                    if (current == mypos) {
                        chunkedByMinJj(first, js, end);
                    } else {
                        kernelColumns(first, js, end);
                    }
                    kernelColumns(rest, js, end);
                }
            }
            // Threads of different column groups share the M blocks: merge their columns.
            int colFrom = rangeN[groupFrom];
            int colTo = rangeN[groupTo];
            merge(out, mFrom, minI, first, colFrom, colTo);
            for (int is = mFrom + minI; is < mTo; is += minI) {
                minI = laterBlockRowsThreaded(mTo - is);
                merge(out, is, minI, rest, colFrom, colTo);
            }
        }
    }

    private static void merge(List<Block> blocks, int start, int rows, byte[] kinds, int colFrom, int colTo) {
        for (Block b : blocks) {
            if (b.start == start) {
                if (b.rows != rows) {
                    throw new AssertionError("threads disagree on the M block at row " + start);
                }
                System.arraycopy(kinds, colFrom, b.columnKinds, colFrom, colTo - colFrom);
                return;
            }
        }
        byte[] own = unset(kinds.length);
        System.arraycopy(kinds, colFrom, own, colFrom, colTo - colFrom);
        blocks.add(new Block(start, rows, own));
    }

    private static byte[] unset(int n) {
        byte[] kinds = new byte[n];
        java.util.Arrays.fill(kinds, COL_UNSET);
        return kinds;
    }

    /** level3_thread.c's partition of {@code size} among {@code parts} (with the N-side minimum width). */
    private static int[] partition(int size, int parts, boolean columns) {
        int[] range = new int[parts + 1];
        int remaining = size;
        int numParts = 0;
        while (remaining > 0 && numParts < parts) {
            int width = (remaining + parts - numParts - 1) / (parts - numParts);
            if (columns && width < SWITCH_RATIO && width > 1) {
                width = SWITCH_RATIO;
            }
            width = roundUp(remaining, width, GEMM_PREFERED_SIZE);
            remaining -= width;
            if (remaining < 0) {
                width += remaining;
            }
            range[numParts + 1] = range[numParts] + width;
            numParts++;
        }
        for (int i = numParts; i < parts; i++) {
            range[i + 1] = range[numParts];
        }
        return range;
    }

    private static int roundUp(int remainder, int width, int multiple) {
        if (multiple > remainder || width <= multiple) {
            return width;
        }
        return (width + multiple - 1) / multiple * multiple;
    }

    private static int firstBlockRows(int rows) {
        if (rows >= GEMM_P * 2) {
            return GEMM_P;
        }
        if (rows > GEMM_P) {
            return (rows / 2 + UNROLL_M - 1) / UNROLL_M * UNROLL_M;
        }
        return rows;
    }

    private static int laterBlockRowsSingle(int rows) {
        return firstBlockRows(rows);
    }

    private static int laterBlockRowsThreaded(int rows) {
        if (rows >= GEMM_P * 2) {
            return GEMM_P;
        }
        if (rows > GEMM_P) {
            return ((rows + 1) / 2 + UNROLL_M - 1) / UNROLL_M * UNROLL_M;
        }
        return rows;
    }

    /** The driver's {@code min_jj} loop: chunks of 12, else of 4 (its 8-column case is commented out). */
    private static void chunkedByMinJj(byte[] kinds, int from, int to) {
        for (int jjs = from; jjs < to; ) {
            int minJj = to - jjs;
            if (minJj >= 3 * UNROLL_N) {
                minJj = 3 * UNROLL_N;
            } else if (minJj > UNROLL_N) {
                minJj = UNROLL_N;
            }
            kernelColumns(kinds, jjs, jjs + minJj);
            jjs += minJj;
        }
    }

    /** The kernel's own split of a call's columns: 12s, then one 8, one 4, one 2, one 1. */
    private static void kernelColumns(byte[] kinds, int from, int to) {
        int c = from;
        for (; to - c > 11; c += 12) {
            for (int j = 0; j < 12; j++) {
                kinds[c + j] = j < 6 ? COL_N12_LEFT : COL_N12_RIGHT;
            }
        }
        if (to - c > 7) {
            for (int j = 0; j < 8; j++) {
                kinds[c + j] = COL_SINGLE;
            }
            c += 8;
        }
        if (to - c > 3) {
            for (int j = 0; j < 4; j++) {
                kinds[c + j] = COL_N4;
            }
            c += 4;
        }
        for (; c < to; c++) {
            kinds[c] = COL_SINGLE;
        }
    }

    int frames() {
        return frames;
    }

    /** Index of the block holding {@code frame}; blocks are few, so a binary search is cheap. */
    int blockOf(int frame) {
        int lo = 0;
        int hi = blocks.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (blocks[mid].start <= frame) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** {@link #SINGLE} or {@link #EVEN_ODD} for output {@code (frame, mel)}; {@code block} is {@link #blockOf}. */
    byte order(int block, int frame, int mel) {
        Block b = blocks[block];
        int i = frame - b.start;
        int strips = b.rows / UNROLL_M;
        if (i >= strips * UNROLL_M) {
            return SINGLE; // the 4/2/1-row tail
        }
        switch (b.columnKinds[mel]) {
            case COL_N4:
                return EVEN_ODD;
            case COL_N12_LEFT:
            case COL_N12_RIGHT: {
                if (b.rows < 16) {
                    return SINGLE;
                }
                boolean left = b.columnKinds[mel] == COL_N12_LEFT;
                int strip = i / UNROLL_M;
                if (strip == 0 && left) {
                    return EVEN_ODD;
                }
                if (strip == strips - 1 && left == (strips % 2 == 0)) {
                    return EVEN_ODD;
                }
                return SINGLE;
            }
            default:
                return SINGLE;
        }
    }
}
