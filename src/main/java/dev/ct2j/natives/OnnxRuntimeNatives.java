package dev.ct2j.natives;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Keeps one extracted copy of ONNX Runtime's native libraries in ct2j's cache.
 *
 * <p>ONNX Runtime's Java loader copies its two libraries (about 28 MB) out of its jar into a new
 * temporary folder on every start, which cost 0.2-0.3 s per VAD-using run here, and leaves the
 * folder behind when the JVM is killed. It also loads from {@code onnxruntime.native.path} when
 * that is set, so ct2j extracts them once into {@code $CT2J_CACHE/native/onnxruntime-<key>/}, the
 * key made of each file's name, size and CRC-32 from the jar's directory (read without reading
 * the libraries), and points the property there. The folder is written privately and renamed into
 * place in one step, as {@link NativeExtractor} does. A property set by the user wins; where the
 * cache is not writable, nothing is set and ONNX Runtime extracts as it always does.
 */
public final class OnnxRuntimeNatives {
    static final String PATH_PROPERTY = "onnxruntime.native.path";
    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    // ONNX Runtime's resource folder for this platform, and the files its loader looks for there.
    private static final String RESOURCE_FOLDER = "/ai/onnxruntime/native/linux-x64/";
    private static final List<String> LIBRARIES = List.of("libonnxruntime.so", "libonnxruntime4j_jni.so");
    private static final String MARKER = "extracted";

    private static volatile boolean done;

    private OnnxRuntimeNatives() {}

    /**
     * Call before the first use of ONNX Runtime, with one of its classes (whose class loader holds
     * its jar). Idempotent; never fails: ONNX Runtime's own loader is the fallback.
     */
    public static synchronized void useCachedCopy(Class<?> onnxRuntimeClass) {
        if (done) {
            return;
        }
        done = true;
        if (System.getProperty(PATH_PROPERTY) != null) {
            return;
        }
        try {
            // Throws on another platform, where ONNX Runtime's loader is left to itself.
            NativeLibrary.platform(System.getProperty("os.name"), System.getProperty("os.arch"));
            Optional<Path> folder = extract(NativeExtractor.defaultRoot(), onnxRuntimeClass);
            folder.ifPresent(f -> System.setProperty(PATH_PROPERTY, f.toString()));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "ONNX Runtime's natives are not cached (" + e + "); it extracts them itself");
        }
    }

    /** Extracts ONNX Runtime's libraries (found through {@code loader}) under {@code root}; empty without them. */
    static Optional<Path> extract(Path root, Class<?> loader) throws IOException {
        StringBuilder key = new StringBuilder();
        for (String name : LIBRARIES) {
            URL url = loader.getResource(RESOURCE_FOLDER + name);
            if (url == null) {
                return Optional.empty();
            }
            URLConnection connection = url.openConnection();
            long crc = connection instanceof JarURLConnection jar ? jar.getJarEntry().getCrc() : -1;
            key.append(name).append(' ').append(connection.getContentLengthLong()).append(' ').append(crc).append('\n');
        }
        String keyText = key.toString();
        Path folder = root.resolve("onnxruntime-" + NativeExtractor.sha256Hex(keyText.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        Path marker = folder.resolve(MARKER);
        if (Files.isRegularFile(marker) && Files.readString(marker).equals(keyText)) {
            return Optional.of(folder);
        }
        Files.createDirectories(root);
        Path staging = Files.createTempDirectory(root, "." + folder.getFileName() + "-");
        try {
            for (String name : LIBRARIES) {
                try (InputStream in = loader.getResourceAsStream(RESOURCE_FOLDER + name)) {
                    Files.copy(in, staging.resolve(name));
                }
            }
            Files.writeString(staging.resolve(MARKER), keyText); // last: marks the folder complete
            try {
                Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException lost) {
                // Another JVM renamed its copy into place first; use it if it is complete.
                if (!Files.isRegularFile(marker) || !Files.readString(marker).equals(keyText)) {
                    throw lost;
                }
            }
        } finally {
            NativeExtractor.deleteTree(staging);
        }
        return Optional.of(folder);
    }
}
