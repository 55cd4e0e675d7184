package dev.ct2j.natives;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.trace.PhaseTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loads libct2j once per JVM, before any binding in {@code dev.ct2j.bindings} is touched (the
 * bindings resolve symbols through the class loader's lookup, as jextract's output does without
 * {@code --library}).
 *
 * <p>Where it looks, in order:
 * <ol>
 *   <li>the system property {@code ct2j.native.lib}, then the environment variable
 *       {@code CT2J_NATIVE_LIB}: a libct2j.so built elsewhere;
 *   <li>the libraries this jar carries for the platform ({@code dev/ct2j/native/linux-x86_64/}),
 *       extracted once to {@code $CT2J_CACHE/native/<hash>/} ({@link NativeExtractor});
 *   <li>{@code build/native/lib/libct2j.so} under the working directory (a checkout whose jar was
 *       packaged without natives).
 * </ol>
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "ct2j.native.lib";
    public static final String PATH_ENV = "CT2J_NATIVE_LIB";
    /** The platforms this jar can carry natives for, as {@code os-arch} folder names. */
    public static final List<String> SUPPORTED_PLATFORMS = List.of("linux-x86_64");

    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    private static volatile Path loaded;

    private NativeLibrary() {}

    /** Loads the library if needed and returns the path of libct2j. Thread-safe and idempotent. */
    public static Path ensureLoaded() {
        Path path = loaded;
        if (path != null) {
            return path;
        }
        synchronized (NativeLibrary.class) {
            if (loaded == null) {
                long start = PhaseTrace.start();
                loaded = checkAbi(loadAll(locate()));
                NativeShutdown.install();
                PhaseTrace.end("native libraries", start);
            }
            return loaded;
        }
    }

    /** The libraries to load, dependencies first; the last one is libct2j. */
    static List<Path> locate() {
        String configured = System.getProperty(PATH_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(PATH_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured.strip()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(path)) {
                throw new NativeLibraryException("the ct2j native library was not found at " + path
                        + " (set by -D" + PATH_PROPERTY + " or $" + PATH_ENV + ")");
            }
            return List.of(path);
        }
        String platform = platform(System.getProperty("os.name"), System.getProperty("os.arch"));
        List<Path> extracted = NativeExtractor.forPlatform(platform).map(NativeExtractor::extract).orElse(null);
        if (extracted != null) {
            return extracted;
        }
        Path checkout = Path.of("build", "native", "lib", System.mapLibraryName("ct2j")).toAbsolutePath();
        if (Files.isRegularFile(checkout)) {
            return List.of(checkout);
        }
        throw new NativeLibraryException("this ct2j jar carries no native libraries for " + platform
                + " (dev/ct2j/native/" + platform + "/ is missing: it was packaged before native/build.sh ran), and "
                + checkout + " does not exist; package the jar with scripts/setup.sh, or point -D" + PATH_PROPERTY
                + " or $" + PATH_ENV + " at libct2j.so");
    }

    /**
     * The jar's folder name for this OS and architecture, or a {@link NativeLibraryException} that
     * names the platform and the supported ones.
     */
    static String platform(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        String folder = (os.startsWith("linux") ? "linux" : os.replace(' ', '_')) + "-"
                + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch);
        if (!SUPPORTED_PLATFORMS.contains(folder)) {
            throw new NativeLibraryException("ct2j has no native libraries for " + osName + " on " + osArch
                    + " (" + folder + "); supported: " + String.join(", ", SUPPORTED_PLATFORMS)
                    + ". Build native/build.sh on that platform and point -D" + PATH_PROPERTY + " at libct2j.so");
        }
        return folder;
    }

    private static Path loadAll(List<Path> libraries) {
        for (Path path : libraries) {
            try {
                // A dependency loaded first is bound by its soname when the next library needs it.
                System.load(path.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new NativeLibraryException("cannot load the native library " + path + ": " + e.getMessage(), e);
            }
        }
        Path library = libraries.getLast();
        LOG.log(System.Logger.Level.DEBUG, "loaded {0}", library);
        return library;
    }

    private static Path checkAbi(Path path) {
        int abi = ct2j_h.ct2j_abi_version();
        if (abi != ct2j_h.CT2J_ABI_VERSION()) {
            throw new NativeLibraryException("the ct2j native library " + path + " has ABI version "
                    + abi + " but these bindings expect " + ct2j_h.CT2J_ABI_VERSION()
                    + "; rebuild it with native/build.sh");
        }
        return path;
    }
}
