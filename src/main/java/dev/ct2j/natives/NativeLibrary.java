package dev.ct2j.natives;

import dev.ct2j.bindings.ct2j_h;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads libct2j once per JVM, before any binding in {@code dev.ct2j.bindings} is touched (the
 * bindings resolve symbols through the class loader's lookup, as jextract's output does without
 * {@code --library}).
 *
 * <p>Where it looks, in order: the system property {@code ct2j.native.lib}, the environment
 * variable {@code CT2J_NATIVE_LIB}, then {@code build/native/lib/libct2j.so} under the working
 * directory (what {@code native/build.sh} produces).
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "ct2j.native.lib";
    public static final String PATH_ENV = "CT2J_NATIVE_LIB";

    private static volatile Path loaded;

    private NativeLibrary() {}

    /** Loads the library if needed and returns its path. Thread-safe and idempotent. */
    public static Path ensureLoaded() {
        Path path = loaded;
        if (path != null) {
            return path;
        }
        synchronized (NativeLibrary.class) {
            if (loaded == null) {
                loaded = load(locate());
            }
            return loaded;
        }
    }

    static Path locate() {
        String configured = System.getProperty(PATH_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(PATH_ENV);
        }
        Path path = configured == null || configured.isBlank()
                ? Path.of("build", "native", "lib", System.mapLibraryName("ct2j"))
                : Path.of(configured);
        path = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw new NativeLibraryException("the ct2j native library was not found at " + path
                    + "; build it with native/build.sh, or point -D" + PATH_PROPERTY + " or $"
                    + PATH_ENV + " at libct2j.so");
        }
        return path;
    }

    private static Path load(Path path) {
        try {
            System.load(path.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLibraryException("cannot load the ct2j native library " + path + ": "
                    + e.getMessage(), e);
        }
        int abi = ct2j_h.ct2j_abi_version();
        if (abi != ct2j_h.CT2J_ABI_VERSION()) {
            throw new NativeLibraryException("the ct2j native library " + path + " has ABI version "
                    + abi + " but these bindings expect " + ct2j_h.CT2J_ABI_VERSION()
                    + "; rebuild it with native/build.sh");
        }
        return path;
    }
}
