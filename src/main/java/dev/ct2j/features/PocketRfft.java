package dev.ct2j.features;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The forward real FFT that {@code np.fft.rfft} runs, reproduced operation for operation in double
 * precision so that its results are bit-identical, not merely close.
 *
 * <p>numpy 2.x computes {@code rfft} with the C++ pocketfft ({@code pocketfft_hdronly}). Its
 * {@code rfft_n_even} gufunc registers the double loop before the float one, so a float32 input
 * (faster-whisper's windowed frames) is widened to double, transformed in double and only the
 * complex128 result is rounded to complex64. This class is that double transform: FFTPACK's
 * real-data algorithm ({@code rfftp}) with pocketfft's factor order (4s first, then a 2 moved to
 * the front, then odd factors), its butterflies {@code radf2}, {@code radf3}, {@code radf4} and
 * {@code radf5} with the same association of every sum and product, and its twiddle table (pairs
 * of double values from a two-level sin/cos table, multiplied in double). Java double arithmetic
 * is IEEE binary64 with round-to-nearest and no contraction, which is what the baseline (SSE2,
 * no FMA) build of numpy's pocketfft executes, scalar or vectorised across frames alike.
 *
 * <p>Only lengths whose prime factors are 2, 3 and 5 are supported (pocketfft's generic
 * {@code radfg} for larger primes is not reproduced); Whisper uses 400 = 4 * 4 * 5 * 5.
 *
 * <p>Instances are immutable; {@link #forward} needs a caller-provided scratch array, so one
 * instance serves any number of threads.
 */
final class PocketRfft {

    // pocketfft's constants are long double literals converted to T0 = double.
    private static final double TR11 = Double.parseDouble("0.3090169943749474241022934171828191");
    private static final double TI11 = Double.parseDouble("0.9510565162951535721164393333793821");
    private static final double TR12 = Double.parseDouble("-0.8090169943749474241022934171828191");
    private static final double TI12 = Double.parseDouble("0.5877852522924731291687059546390728");
    private static final double HSQT2 = Double.parseDouble("0.707106781186547524400844362104849");
    private static final double TAUR = -0.5;
    private static final double TAUI = Double.parseDouble("0.8660254037844386467637231707529362");

    /** pi rounded to the x87 long double significand (64 bits): 0xC90FDAA22168C235 * 2^-62. */
    private static final BigInteger PI_LONG_DOUBLE_SIGNIFICAND = new BigInteger("C90FDAA22168C235", 16);

    private final int n;
    private final int[] factors;     // pocketfft's fact[].fct, in its order
    private final double[][] twiddle; // per factor k: (ip - 1) * (ido - 1) values, null for the last

    PocketRfft(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("FFT length must be at least 2, got " + n);
        }
        this.n = n;
        this.factors = factorize(n);
        this.twiddle = computeTwiddles(n, factors);
    }

    int length() {
        return n;
    }

    /** pocketfft's factors, in the order it stores them (the forward pass runs them backwards). */
    int[] factors() {
        return factors.clone();
    }

    /**
     * In-place forward transform of {@code c[0, n)} into FFTPACK's half-complex order
     * {@code r0, r1, i1, r2, i2, ..., r(n/2)} (for even n), exactly like pocketfft's
     * {@code rfftp::exec(c, 1.0, true)}. {@code scratch} must hold at least {@code n} values; its
     * contents are overwritten.
     */
    void forward(double[] c, double[] scratch) {
        double[] p1 = c;
        double[] p2 = scratch;
        int l1 = n;
        for (int k1 = 0; k1 < factors.length; k1++) {
            int k = factors.length - k1 - 1;
            int ip = factors[k];
            int ido = n / l1;
            l1 /= ip;
            switch (ip) {
                case 4 -> radf4(ido, l1, p1, p2, twiddle[k]);
                case 2 -> radf2(ido, l1, p1, p2, twiddle[k]);
                case 3 -> radf3(ido, l1, p1, p2, twiddle[k]);
                case 5 -> radf5(ido, l1, p1, p2, twiddle[k]);
                default -> throw new IllegalStateException("unsupported factor " + ip);
            }
            double[] t = p1;
            p1 = p2;
            p2 = t;
        }
        if (p1 != c) {
            System.arraycopy(p1, 0, c, 0, n);
        }
    }

    /** pocketfft's {@code rfftp::factorize}. */
    static int[] factorize(int n) {
        int[] tmp = new int[32];
        int count = 0;
        int len = n;
        while (len % 4 == 0) {
            tmp[count++] = 4;
            len /= 4;
        }
        if (len % 2 == 0) {
            len /= 2;
            tmp[count++] = 2;
            // "factor 2 should be at the front of the factor list"
            int t = tmp[0];
            tmp[0] = tmp[count - 1];
            tmp[count - 1] = t;
        }
        for (int divisor = 3; (long) divisor * divisor <= len; divisor += 2) {
            while (len % divisor == 0) {
                tmp[count++] = divisor;
                len /= divisor;
            }
        }
        if (len > 1) {
            tmp[count++] = len;
        }
        int[] result = Arrays.copyOf(tmp, count);
        for (int f : result) {
            if (f > 5) {
                throw new IllegalArgumentException("FFT length " + n + " has the prime factor " + f
                        + "; only lengths of the form 2^a 3^b 5^c are supported");
            }
        }
        return result;
    }

    /** pocketfft's {@code rfftp::comp_twiddle}: per factor, W^(j l1 i) for j < ip, i <= (ido-1)/2. */
    private static double[][] computeTwiddles(int n, int[] factors) {
        SinCos2PiByN twid = new SinCos2PiByN(n);
        double[][] result = new double[factors.length][];
        int l1 = 1;
        for (int k = 0; k < factors.length; k++) {
            int ip = factors[k];
            int ido = n / (l1 * ip);
            if (k < factors.length - 1) { // the last factor needs none
                double[] tw = new double[(ip - 1) * (ido - 1)];
                for (int j = 1; j < ip; j++) {
                    for (int i = 1; i <= (ido - 1) / 2; i++) {
                        int idx = j * l1 * i;
                        tw[(j - 1) * (ido - 1) + 2 * i - 2] = twid.re(idx);
                        tw[(j - 1) * (ido - 1) + 2 * i - 1] = twid.im(idx);
                    }
                }
                result[k] = tw;
            }
            l1 *= ip;
        }
        return result;
    }

    /**
     * pocketfft's {@code sincos_2pibyn<double>}: exp(2 pi i idx / n) as the product of two table
     * entries (fine and coarse), each from std::cos / std::sin of a reduced angle. The angle step
     * {@code 0.25L * pi / n} is evaluated in x87 long double and rounded to double, as in C++.
     */
    static final class SinCos2PiByN {
        private final int n;
        private final int mask;
        private final int shift;
        private final double[] v1Re;
        private final double[] v1Im;
        private final double[] v2Re;
        private final double[] v2Im;

        SinCos2PiByN(int n) {
            this.n = n;
            double ang = angleStep(n);
            int nval = (n + 2) / 2;
            int s = 1;
            while ((1L << s) * (1L << s) < nval) {
                s++;
            }
            shift = s;
            mask = (1 << s) - 1;
            v1Re = new double[mask + 1];
            v1Im = new double[mask + 1];
            v1Re[0] = 1;
            for (int i = 1; i <= mask; i++) {
                double[] c = calc(i, n, ang);
                v1Re[i] = c[0];
                v1Im[i] = c[1];
            }
            int size2 = (nval + mask) / (mask + 1);
            v2Re = new double[size2];
            v2Im = new double[size2];
            v2Re[0] = 1;
            for (int i = 1; i < size2; i++) {
                double[] c = calc((long) i * (mask + 1), n, ang);
                v2Re[i] = c[0];
                v2Im[i] = c[1];
            }
        }

        double re(int idx) {
            int i = 2 * idx <= n ? idx : n - idx;
            double x1r = v1Re[i & mask];
            double x1i = v1Im[i & mask];
            double x2r = v2Re[i >> shift];
            double x2i = v2Im[i >> shift];
            return x1r * x2r - x1i * x2i;
        }

        double im(int idx) {
            boolean upper = 2 * idx > n;
            int i = upper ? n - idx : idx;
            double x1r = v1Re[i & mask];
            double x1i = v1Im[i & mask];
            double x2r = v2Re[i >> shift];
            double x2i = v2Im[i >> shift];
            double v = x1r * x2i + x1i * x2r;
            return upper ? -v : v;
        }

        /** {@code double(0.25L * pi_L / n)} with x87 long double (64-bit significand) arithmetic. */
        static double angleStep(int n) {
            // 0.25 * pi_L = S * 2^-64 exactly; dividing by n rounds to 64 significant bits.
            BigInteger den = BigInteger.valueOf(n);
            int s = 0;
            while (PI_LONG_DOUBLE_SIGNIFICAND.shiftLeft(s).divide(den).bitLength() < 64) {
                s++;
            }
            BigInteger[] qr = PI_LONG_DOUBLE_SIGNIFICAND.shiftLeft(s).divideAndRemainder(den);
            BigInteger q = qr[0];
            int cmp = qr[1].shiftLeft(1).compareTo(den);
            if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
            }
            if (q.bitLength() > 64) { // rounding carried into a new bit: 2^64 is still exact
                q = q.shiftRight(1);
                s--;
            }
            // value = q * 2^(-64 - s); BigInteger.doubleValue rounds to nearest even.
            return Math.scalb(q.doubleValue(), -64 - s);
        }

        private static double[] calc(long x, long n, double ang) {
            x <<= 3;
            if (x < 4 * n) { // first half
                if (x < 2 * n) { // first quadrant
                    if (x < n) {
                        return new double[] {StrictMath.cos(x * ang), StrictMath.sin(x * ang)};
                    }
                    return new double[] {StrictMath.sin((2 * n - x) * ang), StrictMath.cos((2 * n - x) * ang)};
                }
                x -= 2 * n; // second quadrant
                if (x < n) {
                    return new double[] {-StrictMath.sin(x * ang), StrictMath.cos(x * ang)};
                }
                return new double[] {-StrictMath.cos((2 * n - x) * ang), StrictMath.sin((2 * n - x) * ang)};
            }
            x = 8 * n - x;
            if (x < 2 * n) { // third quadrant
                if (x < n) {
                    return new double[] {StrictMath.cos(x * ang), -StrictMath.sin(x * ang)};
                }
                return new double[] {StrictMath.sin((2 * n - x) * ang), -StrictMath.cos((2 * n - x) * ang)};
            }
            x -= 2 * n; // fourth quadrant
            if (x < n) {
                return new double[] {-StrictMath.sin(x * ang), -StrictMath.cos(x * ang)};
            }
            return new double[] {-StrictMath.cos((2 * n - x) * ang), -StrictMath.sin((2 * n - x) * ang)};
        }
    }

    // Butterflies. Index helpers follow FFTPACK: input CC(a, b, c) = cc[a + ido (b + l1 c)],
    // output CH(a, b, c) = ch[a + ido (b + cdim c)], twiddle WA(x, i) = wa[i + x (ido - 1)].
    // MULPM(a, b, c, d, e, f) is a = c e + d f, b = c f - d e; PM(a, b, c, d) is a = c + d, b = c - d.

    private static void radf2(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        final int cdim = 2;
        for (int k = 0; k < l1; k++) {
            double a = cc[ido * k];
            double b = cc[ido * (k + l1)];
            ch[ido * (cdim * k)] = a + b;
            ch[ido - 1 + ido * (1 + cdim * k)] = a - b;
        }
        if ((ido & 1) == 0) {
            for (int k = 0; k < l1; k++) {
                ch[ido * (1 + cdim * k)] = -cc[ido - 1 + ido * (k + l1)];
                ch[ido - 1 + ido * (cdim * k)] = cc[ido - 1 + ido * k];
            }
        }
        if (ido <= 2) {
            return;
        }
        for (int k = 0; k < l1; k++) {
            for (int i = 2; i < ido; i += 2) {
                int ic = ido - i;
                double wr = wa[i - 2];
                double wi = wa[i - 1];
                double er = cc[i - 1 + ido * (k + l1)];
                double ei = cc[i + ido * (k + l1)];
                double tr2 = wr * er + wi * ei;
                double ti2 = wr * ei - wi * er;
                double ar = cc[i - 1 + ido * k];
                double ai = cc[i + ido * k];
                ch[i - 1 + ido * (cdim * k)] = ar + tr2;
                ch[ic - 1 + ido * (1 + cdim * k)] = ar - tr2;
                ch[i + ido * (cdim * k)] = ti2 + ai;
                ch[ic + ido * (1 + cdim * k)] = ti2 - ai;
            }
        }
    }

    private static void radf3(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        final int cdim = 3;
        for (int k = 0; k < l1; k++) {
            double c0 = cc[ido * k];
            double c1 = cc[ido * (k + l1)];
            double c2 = cc[ido * (k + 2 * l1)];
            double cr2 = c1 + c2;
            ch[ido * (cdim * k)] = c0 + cr2;
            ch[ido * (2 + cdim * k)] = TAUI * (c2 - c1);
            ch[ido - 1 + ido * (1 + cdim * k)] = c0 + TAUR * cr2;
        }
        if (ido == 1) {
            return;
        }
        int s = ido - 1;
        for (int k = 0; k < l1; k++) {
            for (int i = 2; i < ido; i += 2) {
                int ic = ido - i;
                double e1r = cc[i - 1 + ido * (k + l1)];
                double e1i = cc[i + ido * (k + l1)];
                double e2r = cc[i - 1 + ido * (k + 2 * l1)];
                double e2i = cc[i + ido * (k + 2 * l1)];
                double dr2 = wa[i - 2] * e1r + wa[i - 1] * e1i;
                double di2 = wa[i - 2] * e1i - wa[i - 1] * e1r;
                double dr3 = wa[i - 2 + s] * e2r + wa[i - 1 + s] * e2i;
                double di3 = wa[i - 2 + s] * e2i - wa[i - 1 + s] * e2r;
                // POCKETFFT_REARRANGE(dr2, di2, dr3, di3)
                double t1 = dr2 + dr3;
                double t2 = dr3 - dr2;
                double t3 = di2 + di3;
                double t4 = di2 - di3;
                dr2 = t1;
                di2 = t3;
                dr3 = t4;
                di3 = t2;
                double ar = cc[i - 1 + ido * k];
                double ai = cc[i + ido * k];
                ch[i - 1 + ido * (cdim * k)] = ar + dr2;
                ch[i + ido * (cdim * k)] = ai + di2;
                double tr2 = ar + TAUR * dr2;
                double ti2 = ai + TAUR * di2;
                double tr3 = TAUI * dr3;
                double ti3 = TAUI * di3;
                ch[i - 1 + ido * (2 + cdim * k)] = tr2 + tr3;
                ch[ic - 1 + ido * (1 + cdim * k)] = tr2 - tr3;
                ch[i + ido * (2 + cdim * k)] = ti3 + ti2;
                ch[ic + ido * (1 + cdim * k)] = ti3 - ti2;
            }
        }
    }

    private static void radf4(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        final int cdim = 4;
        for (int k = 0; k < l1; k++) {
            double c0 = cc[ido * k];
            double c1 = cc[ido * (k + l1)];
            double c2 = cc[ido * (k + 2 * l1)];
            double c3 = cc[ido * (k + 3 * l1)];
            double tr1 = c3 + c1;
            ch[ido * (2 + cdim * k)] = c3 - c1;
            double tr2 = c0 + c2;
            ch[ido - 1 + ido * (1 + cdim * k)] = c0 - c2;
            ch[ido * (cdim * k)] = tr2 + tr1;
            ch[ido - 1 + ido * (3 + cdim * k)] = tr2 - tr1;
        }
        if ((ido & 1) == 0) {
            int a = ido - 1;
            for (int k = 0; k < l1; k++) {
                double c0 = cc[a + ido * k];
                double c1 = cc[a + ido * (k + l1)];
                double c2 = cc[a + ido * (k + 2 * l1)];
                double c3 = cc[a + ido * (k + 3 * l1)];
                double ti1 = -HSQT2 * (c1 + c3);
                double tr1 = HSQT2 * (c1 - c3);
                ch[a + ido * (cdim * k)] = c0 + tr1;
                ch[a + ido * (2 + cdim * k)] = c0 - tr1;
                ch[ido * (3 + cdim * k)] = ti1 + c2;
                ch[ido * (1 + cdim * k)] = ti1 - c2;
            }
        }
        if (ido <= 2) {
            return;
        }
        int s = ido - 1;
        for (int k = 0; k < l1; k++) {
            for (int i = 2; i < ido; i += 2) {
                int ic = ido - i;
                double e1r = cc[i - 1 + ido * (k + l1)];
                double e1i = cc[i + ido * (k + l1)];
                double e2r = cc[i - 1 + ido * (k + 2 * l1)];
                double e2i = cc[i + ido * (k + 2 * l1)];
                double e3r = cc[i - 1 + ido * (k + 3 * l1)];
                double e3i = cc[i + ido * (k + 3 * l1)];
                double cr2 = wa[i - 2] * e1r + wa[i - 1] * e1i;
                double ci2 = wa[i - 2] * e1i - wa[i - 1] * e1r;
                double cr3 = wa[i - 2 + s] * e2r + wa[i - 1 + s] * e2i;
                double ci3 = wa[i - 2 + s] * e2i - wa[i - 1 + s] * e2r;
                double cr4 = wa[i - 2 + 2 * s] * e3r + wa[i - 1 + 2 * s] * e3i;
                double ci4 = wa[i - 2 + 2 * s] * e3i - wa[i - 1 + 2 * s] * e3r;
                double tr1 = cr4 + cr2;
                double tr4 = cr4 - cr2;
                double ti1 = ci2 + ci4;
                double ti4 = ci2 - ci4;
                double ar = cc[i - 1 + ido * k];
                double ai = cc[i + ido * k];
                double tr2 = ar + cr3;
                double tr3 = ar - cr3;
                double ti2 = ai + ci3;
                double ti3 = ai - ci3;
                ch[i - 1 + ido * (cdim * k)] = tr2 + tr1;
                ch[ic - 1 + ido * (3 + cdim * k)] = tr2 - tr1;
                ch[i + ido * (cdim * k)] = ti1 + ti2;
                ch[ic + ido * (3 + cdim * k)] = ti1 - ti2;
                ch[i - 1 + ido * (2 + cdim * k)] = tr3 + ti4;
                ch[ic - 1 + ido * (1 + cdim * k)] = tr3 - ti4;
                ch[i + ido * (2 + cdim * k)] = tr4 + ti3;
                ch[ic + ido * (1 + cdim * k)] = tr4 - ti3;
            }
        }
    }

    private static void radf5(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        final int cdim = 5;
        for (int k = 0; k < l1; k++) {
            double c0 = cc[ido * k];
            double c1 = cc[ido * (k + l1)];
            double c2 = cc[ido * (k + 2 * l1)];
            double c3 = cc[ido * (k + 3 * l1)];
            double c4 = cc[ido * (k + 4 * l1)];
            double cr2 = c4 + c1;
            double ci5 = c4 - c1;
            double cr3 = c3 + c2;
            double ci4 = c3 - c2;
            ch[ido * (cdim * k)] = c0 + cr2 + cr3;
            ch[ido - 1 + ido * (1 + cdim * k)] = c0 + TR11 * cr2 + TR12 * cr3;
            ch[ido * (2 + cdim * k)] = TI11 * ci5 + TI12 * ci4;
            ch[ido - 1 + ido * (3 + cdim * k)] = c0 + TR12 * cr2 + TR11 * cr3;
            ch[ido * (4 + cdim * k)] = TI12 * ci5 - TI11 * ci4;
        }
        if (ido == 1) {
            return;
        }
        int s = ido - 1;
        for (int k = 0; k < l1; k++) {
            for (int i = 2, ic = ido - 2; i < ido; i += 2, ic -= 2) {
                double e1r = cc[i - 1 + ido * (k + l1)];
                double e1i = cc[i + ido * (k + l1)];
                double e2r = cc[i - 1 + ido * (k + 2 * l1)];
                double e2i = cc[i + ido * (k + 2 * l1)];
                double e3r = cc[i - 1 + ido * (k + 3 * l1)];
                double e3i = cc[i + ido * (k + 3 * l1)];
                double e4r = cc[i - 1 + ido * (k + 4 * l1)];
                double e4i = cc[i + ido * (k + 4 * l1)];
                double dr2 = wa[i - 2] * e1r + wa[i - 1] * e1i;
                double di2 = wa[i - 2] * e1i - wa[i - 1] * e1r;
                double dr3 = wa[i - 2 + s] * e2r + wa[i - 1 + s] * e2i;
                double di3 = wa[i - 2 + s] * e2i - wa[i - 1 + s] * e2r;
                double dr4 = wa[i - 2 + 2 * s] * e3r + wa[i - 1 + 2 * s] * e3i;
                double di4 = wa[i - 2 + 2 * s] * e3i - wa[i - 1 + 2 * s] * e3r;
                double dr5 = wa[i - 2 + 3 * s] * e4r + wa[i - 1 + 3 * s] * e4i;
                double di5 = wa[i - 2 + 3 * s] * e4i - wa[i - 1 + 3 * s] * e4r;
                // POCKETFFT_REARRANGE(dr2, di2, dr5, di5) and (dr3, di3, dr4, di4)
                double t1 = dr2 + dr5;
                double t2 = dr5 - dr2;
                double t3 = di2 + di5;
                double t4 = di2 - di5;
                dr2 = t1;
                di2 = t3;
                dr5 = t4;
                di5 = t2;
                t1 = dr3 + dr4;
                t2 = dr4 - dr3;
                t3 = di3 + di4;
                t4 = di3 - di4;
                dr3 = t1;
                di3 = t3;
                dr4 = t4;
                di4 = t2;
                double ar = cc[i - 1 + ido * k];
                double ai = cc[i + ido * k];
                ch[i - 1 + ido * (cdim * k)] = ar + dr2 + dr3;
                ch[i + ido * (cdim * k)] = ai + di2 + di3;
                double tr2 = ar + TR11 * dr2 + TR12 * dr3;
                double ti2 = ai + TR11 * di2 + TR12 * di3;
                double tr3 = ar + TR12 * dr2 + TR11 * dr3;
                double ti3 = ai + TR12 * di2 + TR11 * di3;
                double tr5 = TI11 * dr5 + TI12 * dr4;
                double ti5 = TI11 * di5 + TI12 * di4;
                double tr4 = TI12 * dr5 - TI11 * dr4;
                double ti4 = TI12 * di5 - TI11 * di4;
                ch[i - 1 + ido * (2 + cdim * k)] = tr2 + tr5;
                ch[ic - 1 + ido * (1 + cdim * k)] = tr2 - tr5;
                ch[i + ido * (2 + cdim * k)] = ti5 + ti2;
                ch[ic + ido * (1 + cdim * k)] = ti5 - ti2;
                ch[i - 1 + ido * (4 + cdim * k)] = tr3 + tr4;
                ch[ic - 1 + ido * (3 + cdim * k)] = tr3 - tr4;
                ch[i + ido * (4 + cdim * k)] = ti4 + ti3;
                ch[ic + ido * (3 + cdim * k)] = ti4 - ti3;
            }
        }
    }
}
