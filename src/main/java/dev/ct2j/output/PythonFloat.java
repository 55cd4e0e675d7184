package dev.ct2j.output;

import java.math.BigDecimal;

/**
 * Python's {@code repr(float)}, which {@code json.dump} writes for every float: the shortest
 * digits that read back to the same double (Java's {@link Double#toString} finds the same ones
 * since JDK 19, except that it never writes fewer than two), laid out as Python does: positional for decimal exponents -4 to 15
 * ({@code 0.0001}, {@code 1e-05}, {@code 1e+16}), always with a fraction part when positional.
 */
public final class PythonFloat {
    private PythonFloat() {}

    /** repr(x) for a finite x; json.dump's NaN, Infinity and -Infinity otherwise. */
    public static String repr(double x) {
        if (Double.isNaN(x)) {
            return "NaN";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "Infinity" : "-Infinity";
        }
        if (x == 0) {
            return (Double.doubleToRawLongBits(x) < 0) ? "-0.0" : "0.0";
        }
        double abs = Math.abs(x);
        BigDecimal shortest = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
        if (shortest.precision() == 2) {
            // Java never writes fewer than two digits: where one would do (5e-324, which Java
            // writes 4.9E-324), Python's one digit is the one of the two nearest that reads back.
            for (java.math.RoundingMode mode : new java.math.RoundingMode[] {java.math.RoundingMode.HALF_EVEN,
                    java.math.RoundingMode.FLOOR, java.math.RoundingMode.CEILING}) {
                BigDecimal one = shortest.round(new java.math.MathContext(1, mode));
                if (Double.parseDouble(one.toString()) == abs) {
                    shortest = one.stripTrailingZeros();
                    break;
                }
            }
        }
        String digits = shortest.unscaledValue().toString();
        // The decimal exponent of the first digit: x = d.ddd * 10^exponent.
        int exponent = digits.length() - 1 - shortest.scale();
        StringBuilder out = new StringBuilder(x < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int magnitude = Math.abs(exponent);
            if (magnitude < 10) {
                out.append('0');
            }
            out.append(magnitude);
        } else if (exponent < 0) {
            out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() > exponent + 1) {
            out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        } else {
            out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        }
        return out.toString();
    }
}
