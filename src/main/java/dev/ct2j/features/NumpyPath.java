package dev.ct2j.features;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The code path numpy 2.4.6 takes for faster-whisper's features on the machine ct2j runs on, which
 * {@link FeatureExtractor} reproduces: "exact parity" means identical to faster-whisper on this
 * machine, and numpy's last bits depend on it.
 *
 * <ul>
 *   <li>{@link #blas()}: the kernels of the OpenBLAS core numpy's bundled OpenBLAS 0.3.31 picks,
 *       as OpenBLAS picks it: {@code OPENBLAS_CORETYPE} if it names a core, else the CPU's
 *       features (AVX-512 SKX set: SkylakeX/Cooperlake/SapphireRapids kernels; AVX2 and FMA:
 *       Haswell/Zen kernels).
 *   <li>{@link #blasThreads()}: OpenBLAS's thread count ({@code OPENBLAS_NUM_THREADS}, else
 *       {@code GOTO_NUM_THREADS}, else {@code OMP_NUM_THREADS}, capped by the CPUs this process may
 *       run on and by 64). The Haswell kernels' summation order depends on how the product is cut
 *       between threads.
 *   <li>{@link #log10()}: numpy's float32 {@code log10}: Intel SVML's with numpy's X86_V4
 *       (AVX-512 SKX) dispatch target, else the C library's {@code log10f}. numpy's
 *       {@code NPY_DISABLE_CPU_FEATURES} / {@code NPY_ENABLE_CPU_FEATURES} are honoured the same way.
 * </ul>
 * Anything else (aarch64, CPUs without AVX2, other OpenBLAS cores) gets {@link Blas#FALLBACK} or
 * {@link Log10#FALLBACK}: the features then stay within 1e-5 of numpy's but are not bit-exact.
 *
 * <p>{@code -Dct2j.numpyPath} or {@code CT2J_NUMPY_PATH} forces any part, as comma-separated
 * {@code key=value} pairs: {@code blas=skylakex|haswell|fallback}, {@code threads=N},
 * {@code log10=svml|libm|fallback}; for example {@code blas=haswell,log10=libm,threads=2}.
 */
public record NumpyPath(Blas blas, String blasCore, int blasThreads, Log10 log10, String source) {

    public static final String PROPERTY = "ct2j.numpyPath";
    public static final String ENVIRONMENT = "CT2J_NUMPY_PATH";

    /** Which OpenBLAS sgemm kernels compute {@code mel_filters @ magnitudes}. */
    public enum Blas {
        /** SkylakeX, Cooperlake and SapphireRapids cores (AVX-512): one shared kernel set. */
        SKYLAKEX,
        /** Haswell and Zen cores (AVX2 + FMA): one shared kernel set. */
        HASWELL,
        /** Anything else: a plain FMA chain, within 1e-5 of numpy but not exact. */
        FALLBACK
    }

    /** Which float32 {@code log10} numpy calls. */
    public enum Log10 {
        /** Intel SVML's AVX-512 {@code log10f}, numpy's X86_V4 target (needs numpy's tables). */
        SVML,
        /** The C library's {@code log10f}, which numpy calls without AVX-512. */
        LIBM,
        /** A correctly rounded {@code log10}: within 2.4e-7 of either, not exact. */
        FALLBACK
    }

    // OpenBLAS 0.3.31's x86-64 core names, which OPENBLAS_CORETYPE matches case-insensitively.
    private static final List<String> OPENBLAS_CORES = List.of("Katmai", "Coppermine", "Northwood", "Prescott",
            "Banias", "Atom", "Core2", "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3",
            "Barcelona", "Nano", "Sandybridge", "Bobcat", "Bulldozer", "Piledriver", "Haswell", "Steamroller",
            "Excavator", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids");
    private static final int OPENBLAS_MAX_THREADS = 64; // the MAX_THREADS numpy's OpenBLAS is built with
    private static final Set<String> AVX512_SKX = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

    public NumpyPath {
        if (blas == null || log10 == null) {
            throw new IllegalArgumentException("blas and log10 must be set");
        }
        if (blasThreads < 1) {
            throw new IllegalArgumentException("blasThreads must be >= 1, got " + blasThreads);
        }
    }

    /** Whether every step is reproduced bit for bit (given numpy's SVML tables for {@link Log10#SVML}). */
    public boolean exactBlas() {
        return blas != Blas.FALLBACK;
    }

    /** The same path with another thread count. */
    public NumpyPath withBlasThreads(int threads) {
        return new NumpyPath(blas, blasCore, threads, log10, source);
    }

    /** The same path with another {@code log10}. */
    public NumpyPath withLog10(Log10 kind) {
        return new NumpyPath(blas, blasCore, blasThreads, kind, source);
    }

    /** One line for logs and the parity harness, e.g. {@code blas=HASWELL(Haswell) threads=2 log10=LIBM}. */
    public String describe() {
        return "blas=" + blas + (blasCore == null ? "" : "(" + blasCore + ")") + " threads=" + blasThreads
                + " log10=" + log10 + " [" + source + "]";
    }

    private static volatile NumpyPath detected;

    /**
     * The path numpy takes in this process's environment, detected once per JVM.
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} / {@value #ENVIRONMENT} is malformed
     */
    public static NumpyPath detected() {
        NumpyPath p = detected;
        if (p == null) {
            p = detect(System::getenv, System.getProperty(PROPERTY), CpuInfo.read());
            detected = p;
        }
        return p;
    }

    /**
     * Detection from an environment, an optional forcing spec (the system property, else
     * {@code CT2J_NUMPY_PATH} from {@code env}) and the CPU's facts. Exposed for tests.
     */
    static NumpyPath detect(UnaryOperator<String> env, String forcedProperty, CpuInfo cpu) {
        String forced = forcedProperty != null ? forcedProperty : env.apply(ENVIRONMENT);
        Map<String, String> force = parseForce(forced);

        Blas blas;
        String core;
        String source;
        String coretype = env.apply("OPENBLAS_CORETYPE");
        String named = coretype == null ? null : canonicalCore(coretype);
        if (named != null) {
            core = named;
            source = "OPENBLAS_CORETYPE=" + coretype;
        } else {
            // OpenBLAS ignores a name it does not know and picks by CPU features, as here.
            core = cpu.x86_64() ? cpu.openBlasCore() : null;
            source = cpu.x86_64() ? "cpu " + cpu.vendor() + " " + cpu.model() : "cpu " + cpu.arch();
        }
        blas = familyOf(core);

        int threads = openBlasThreads(env, cpu.allowedCpus());
        Log10 log10 = cpu.x86_64() && numpyX86V4(env, cpu) ? Log10.SVML : (cpu.x86_64() ? Log10.LIBM : Log10.FALLBACK);

        if (force.containsKey("blas")) {
            blas = parseEnum(Blas.class, force.get("blas"), forced);
            core = null;
        }
        if (force.containsKey("threads")) {
            try {
                threads = Integer.parseInt(force.get("threads"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + ": threads must be an integer in '"
                        + forced + "'");
            }
            if (threads < 1) {
                throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + ": threads must be >= 1 in '"
                        + forced + "'");
            }
        }
        if (force.containsKey("log10")) {
            log10 = parseEnum(Log10.class, force.get("log10"), forced);
        }
        if (!force.isEmpty()) {
            source = "forced " + forced + "; otherwise " + source;
        }
        return new NumpyPath(blas, core, threads, log10, source);
    }

    private static Map<String, String> parseForce(String spec) {
        if (spec == null || spec.isBlank()) {
            return Map.of();
        }
        java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? "" : p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (eq < 0 || !(key.equals("blas") || key.equals("threads") || key.equals("log10"))) {
                throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + ": '" + p + "' in '" + spec
                        + "' is not blas=skylakex|haswell|fallback, threads=N or log10=svml|libm|fallback");
            }
            out.put(key, p.substring(eq + 1).strip());
        }
        return out;
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String spec) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException(PROPERTY + " / " + ENVIRONMENT + ": unknown " + type.getSimpleName()
                + " '" + value + "' in '" + spec + "'; expected one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }

    /** The core an {@code OPENBLAS_CORETYPE} value names (OpenBLAS compares up to 20 characters, any case). */
    static String canonicalCore(String value) {
        String v = value.length() > 20 ? value.substring(0, 20) : value;
        for (String core : OPENBLAS_CORES) {
            String c = core.length() > 20 ? core.substring(0, 20) : core;
            if (c.equalsIgnoreCase(v)) {
                return core;
            }
        }
        return null;
    }

    static Blas familyOf(String core) {
        if (core == null) {
            return Blas.FALLBACK;
        }
        return switch (core) {
            case "SkylakeX", "Cooperlake", "SapphireRapids" -> Blas.SKYLAKEX;
            case "Haswell", "Zen" -> Blas.HASWELL;
            default -> Blas.FALLBACK;
        };
    }

    /** OpenBLAS's {@code blas_get_cpu_number}: the first positive of three variables, capped by the CPUs. */
    static int openBlasThreads(UnaryOperator<String> env, int allowedCpus) {
        int wanted = 0;
        for (String name : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}) {
            int v = atoi(env.apply(name));
            if (v > 0) {
                wanted = v;
                break;
            }
        }
        int cpus = Math.max(1, allowedCpus);
        int threads = wanted > 0 ? Math.min(wanted, cpus) : cpus;
        return Math.min(threads, OPENBLAS_MAX_THREADS);
    }

    /** C's {@code atoi}: leading blanks, a sign, digits; anything else ends it. */
    static int atoi(String s) {
        if (s == null) {
            return 0;
        }
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && v < Integer.MAX_VALUE) {
            v = v * 10 + (s.charAt(i) - '0');
            i++;
        }
        v = Math.min(v, Integer.MAX_VALUE);
        return (int) (negative ? -v : v);
    }

    /** Whether numpy dispatches to its X86_V4 (AVX-512 SKX) targets, which is where SVML's log10 is. */
    static boolean numpyX86V4(UnaryOperator<String> env, CpuInfo cpu) {
        if (!cpu.flags().containsAll(AVX512_SKX)) {
            return false;
        }
        Set<String> disabled = featureNames(env.apply("NPY_DISABLE_CPU_FEATURES"));
        // numpy 2.4 dispatches to the X86_V4 group; naming AVX512_SKX there changes nothing.
        if (disabled.contains("X86_V4")) {
            return false;
        }
        String enable = env.apply("NPY_ENABLE_CPU_FEATURES");
        if (enable != null && !enable.isBlank()) {
            return featureNames(enable).contains("X86_V4");
        }
        return true;
    }

    private static Set<String> featureNames(String value) {
        Set<String> names = new HashSet<>();
        if (value != null) {
            for (String n : value.split("[,\\s]+")) {
                if (!n.isEmpty()) {
                    names.add(n.toUpperCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    /** The CPU facts the choice depends on, from {@code /proc/cpuinfo} and {@code /proc/self/status}. */
    record CpuInfo(String arch, String vendor, String model, Set<String> flags, int allowedCpus) {

        boolean x86_64() {
            return arch.equals("amd64") || arch.equals("x86_64");
        }

        /**
         * The core OpenBLAS 0.3.31 picks by CPUID for a CPU with these features, as far as the
         * kernels go: its per-model table lands on a SkylakeX-family core for AVX-512 CPUs and on
         * Haswell (Intel) or Zen (AMD, Hygon) for AVX2 ones.
         */
        String openBlasCore() {
            if (flags.containsAll(AVX512_SKX)) {
                return "SkylakeX";
            }
            if (flags.contains("avx2") && flags.contains("fma")) {
                return vendor.equals("AuthenticAMD") || vendor.equals("HygonGenuine") ? "Zen" : "Haswell";
            }
            return null;
        }

        static CpuInfo read() {
            String arch = System.getProperty("os.arch", "");
            String vendor = "";
            String model = "";
            Set<String> flags = new HashSet<>();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        if (!flags.isEmpty()) {
                            break; // the first processor is enough
                        }
                        continue;
                    }
                    String key = line.substring(0, colon).strip();
                    String value = line.substring(colon + 1).strip();
                    switch (key) {
                        case "vendor_id" -> vendor = value;
                        case "model name" -> model = value;
                        case "flags" -> flags.addAll(List.of(value.split("\\s+")));
                        default -> {
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux, or no /proc: no CPU facts, so the fallback path.
            }
            return new CpuInfo(arch, vendor, model, Set.copyOf(flags), affinityCpus());
        }

        /** CPUs in this process's affinity mask, as OpenBLAS's {@code get_num_procs} counts them. */
        static int affinityCpus() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                    if (line.startsWith("Cpus_allowed_list:")) {
                        return countCpuList(line.substring(line.indexOf(':') + 1).strip());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // fall through
            }
            return Runtime.getRuntime().availableProcessors();
        }

        static int countCpuList(String list) {
            int count = 0;
            for (String range : list.split(",")) {
                String r = range.strip();
                if (r.isEmpty()) {
                    continue;
                }
                int dash = r.indexOf('-');
                if (dash < 0) {
                    count++;
                } else {
                    count += Integer.parseInt(r.substring(dash + 1)) - Integer.parseInt(r.substring(0, dash)) + 1;
                }
            }
            return count;
        }
    }
}
