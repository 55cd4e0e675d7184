package dev.ct2j.transcribe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A small seeded generation harness for the property tests, in plain JUnit 5: generators over
 * {@link RandomGenerator} and {@link #forAll}, which runs a property on a number of generated
 * inputs and fails on the first input that breaks it. There is no shrinking; the generators keep
 * their inputs small so that a failing one is readable as it is.
 *
 * <p>The seed is fixed ({@link #DEFAULT_SEED}), so every run checks the same inputs; pass
 * {@code -Dct2j.test.seed=N} to check others. A failure names the property, the seed, the try and
 * the input: rerunning with that seed fails on the same try.
 */
final class Generated {

    static final long DEFAULT_SEED = 20261201L;

    private Generated() {}

    /** The seed of this run: {@code -Dct2j.test.seed}, or {@link #DEFAULT_SEED}. */
    static long seed() {
        String value = System.getProperty("ct2j.test.seed", "").strip();
        try {
            return value.isEmpty() ? DEFAULT_SEED : Long.decode(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dct2j.test.seed must be a long, got '" + value + "'", e);
        }
    }

    /** A generator of values of T. */
    @FunctionalInterface
    interface Gen<T> {
        T next(RandomGenerator r);

        default <U> Gen<U> map(Function<? super T, ? extends U> f) {
            return r -> f.apply(next(r));
        }

        /** null with probability p, else a value of this. */
        default Gen<T> orNull(double p) {
            return r -> r.nextDouble() < p ? null : next(r);
        }

        /** Lists of minSize to maxSize values of this. */
        default Gen<List<T>> list(int minSize, int maxSize) {
            return r -> {
                int n = r.nextInt(minSize, maxSize + 1);
                List<T> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(next(r));
                }
                return out;
            };
        }

        default Gen<T> filter(Predicate<? super T> keep) {
            return r -> {
                for (int attempt = 0; attempt < 10_000; attempt++) {
                    T value = next(r);
                    if (keep.test(value)) {
                        return value;
                    }
                }
                throw new IllegalStateException("filter rejected 10000 values in a row");
            };
        }
    }

    /** A property of one input; any exception or assertion error breaks it. */
    @FunctionalInterface
    interface Property<T> {
        void check(T input) throws Exception;
    }

    static <T> void forAll(String property, int tries, Gen<T> gen, Property<T> check) {
        forAll(property, tries, gen, Generated::show, check);
    }

    /**
     * Runs check on tries inputs from gen, each from its own random stream split off one seeded by
     * the run's seed and the property's name; fails fast, naming the seed, the try and the input.
     */
    static <T> void forAll(String property, int tries, Gen<T> gen, Function<? super T, String> show,
                           Property<T> check) {
        long seed = seed();
        SplittableRandom streams = new SplittableRandom(seed ^ (property.hashCode() * 0x9E3779B97F4A7C15L));
        for (int i = 0; i < tries; i++) {
            SplittableRandom r = streams.split();
            T input = gen.next(r);
            try {
                check.check(input);
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError e) {
                    throw e;
                }
                throw new AssertionError("property " + property + " failed on try " + (i + 1) + " of " + tries
                        + " with seed " + seed + " (rerun with -Dct2j.test.seed=" + seed + ")\n  input: "
                        + show.apply(input) + "\n  failure: " + t, t);
            }
        }
    }

    /** A value as a failure message shows it: long texts cut in the middle. */
    static String show(Object value) {
        String text = value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) + " ("
                + (b.length <= 64 ? "bytes " + Arrays.toString(b) : b.length + " bytes") + ")" : String.valueOf(value);
        return text.length() > 600 ? text.substring(0, 300) + " ... " + text.substring(text.length() - 200)
                + " (" + text.length() + " chars)" : text;
    }

    // ---- generators --------------------------------------------------------------------------

    static <T> Gen<T> constant(T value) {
        return r -> value;
    }

    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        return of(List.of(values));
    }

    static <T> Gen<T> of(List<T> values) {
        List<T> copy = List.copyOf(values);
        return r -> copy.get(r.nextInt(copy.size()));
    }

    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    record Weighted<T>(int weight, Gen<? extends T> gen) {}

    static <T> Weighted<T> weight(int weight, Gen<? extends T> gen) {
        return new Weighted<>(weight, gen);
    }

    /** One of gens, each with its weight's share of the tries. */
    @SafeVarargs
    static <T> Gen<T> frequency(Weighted<? extends T>... gens) {
        int total = Arrays.stream(gens).mapToInt(Weighted::weight).sum();
        return r -> {
            int pick = r.nextInt(total);
            for (Weighted<? extends T> g : gens) {
                pick -= g.weight();
                if (pick < 0) {
                    return g.gen().next(r);
                }
            }
            throw new AssertionError();
        };
    }

    static Gen<Boolean> booleans() {
        return RandomGenerator::nextBoolean;
    }

    /** Any int: the edges, small ones and the whole range. */
    static Gen<Integer> ints() {
        return frequency(weight(1, of(0, 1, -1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 1,
                        Integer.MIN_VALUE + 1)),
                weight(1, ints(-100, 100)),
                weight(2, RandomGenerator::nextInt));
    }

    /** Ints in [min, max], the bounds more often than their share. */
    static Gen<Integer> ints(int min, int max) {
        return r -> switch (r.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            default -> (int) r.nextLong(min, max + 1L);
        };
    }

    /** Any finite double: the edges, two-decimal ones, any magnitude, any bits. */
    static Gen<Double> doubles() {
        return frequency(
                weight(1, of(0.0, -0.0, 1.0, -1.0, 0.01, -0.01, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE,
                        -Double.MIN_VALUE, Double.MIN_NORMAL)),
                weight(2, r -> Math.round(r.nextDouble(-1000, 1000) * 100) / 100.0),
                weight(2, r -> (r.nextBoolean() ? 1 : -1) * r.nextDouble(1, 10) * Math.pow(10, r.nextInt(-320, 308))),
                weight(1, r -> {
                    double d;
                    do {
                        d = Double.longBitsToDouble(r.nextLong());
                    } while (!Double.isFinite(d));
                    return d;
                }));
    }

    /** Doubles in [min, max]: the bounds, two-decimal ones and any in between. */
    static Gen<Double> doubles(double min, double max) {
        return r -> switch (r.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            case 2, 3, 4, 5 -> Math.clamp(Math.round(r.nextDouble(min, max) * 100) / 100.0, min, max);
            default -> r.nextDouble(min, max);
        };
    }

    static Gen<Byte> bytes() {
        return r -> (byte) r.nextInt(256);
    }

    static Gen<byte[]> byteArrays(int maxSize) {
        return r -> {
            byte[] out = new byte[r.nextInt(maxSize + 1)];
            r.nextBytes(out);
            return out;
        };
    }

    private static final String SPECIAL = "\"\\/,.:;{}[]_-+eE0 \t\n\r\u0000\u001f\u007f\u00a0\u2028\ufeff\uffff";

    /** Strings of up to maxLength chars: ASCII mostly, control and JSON-special chars, any code point. */
    static Gen<String> strings(int maxLength) {
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder s = new StringBuilder(n);
            while (s.length() < n) {
                int kind = r.nextInt(10);
                int cp;
                if (kind < 5) {
                    cp = r.nextInt(0x20, 0x7f);
                } else if (kind < 7) {
                    cp = SPECIAL.charAt(r.nextInt(SPECIAL.length()));
                } else if (kind < 9) {
                    do {
                        cp = r.nextInt(0x80, 0x10000);
                    } while (Character.isSurrogate((char) cp));
                } else {
                    cp = r.nextInt(0x10000, Character.MAX_CODE_POINT + 1);
                }
                if (s.length() + Character.charCount(cp) <= n) {
                    s.appendCodePoint(cp);
                } else {
                    s.append('a');
                }
            }
            return s.toString();
        };
    }

    /** Strings of up to maxLength chars, each one of chars. */
    static Gen<String> strings(String chars, int maxLength) {
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                s.append(chars.charAt(r.nextInt(chars.length())));
            }
            return s.toString();
        };
    }
}
