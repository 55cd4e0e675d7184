package dev.ct2j.natives;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Extracts the native libraries the jar carries, the way ONNX Runtime's jar does, but into a
 * folder that outlives the JVM: {@code $CT2J_CACHE/native/<hash>/} (default
 * {@code ~/.cache/ct2j}), named by the sha256 of the jar's file list, so a new build never reuses
 * an old folder and a second start extracts nothing.
 *
 * <p>The list {@code natives.sha256} (written by native/build.sh, in sha256sum's format, in load
 * order) names every file with its sha256. Files are written into a private temporary folder,
 * checked, and the folder is renamed into place in one step: two JVMs starting at once both
 * extract, one rename wins, and both load the same complete folder. If the cache is not writable
 * (a read-only home), the folder goes under {@code java.io.tmpdir}, where another user could have
 * written it first, so there each file's hash is checked again on every start.
 */
final class NativeExtractor {
    static final String LIST = "natives.sha256";

    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    record Entry(String sha256, String name) {}

    private final String resourceFolder;
    private final String listText;
    private final List<Entry> entries;
    private final String hash;

    private NativeExtractor(String resourceFolder, String listText) {
        this.resourceFolder = resourceFolder;
        this.listText = listText;
        this.entries = parse(listText, resourceFolder);
        this.hash = sha256Hex(listText.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** The jar's natives for this platform, or empty if the jar was packaged without them. */
    static Optional<NativeExtractor> forPlatform(String platform) {
        String folder = "/dev/ct2j/native/" + platform + "/";
        try (InputStream in = NativeExtractor.class.getResourceAsStream(folder + LIST)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new NativeExtractor(folder, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read " + folder + LIST + " from the ct2j jar: " + e.getMessage(), e);
        }
    }

    /** Extracts (if needed) into the default cache, or java.io.tmpdir if that is not writable. */
    List<Path> extract() {
        return extract(defaultRoot(), fallbackRoot());
    }

    static Path defaultRoot() {
        return CacheFolders.ct2jCache().resolve("native");
    }

    static Path fallbackRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"), "ct2j-" + System.getProperty("user.name", "user"), "native");
    }

    List<Path> extract(Path root, Path fallback) {
        IOException first;
        try {
            return paths(extractInto(root, false));
        } catch (IOException e) {
            first = e;
        }
        try {
            Path folder = extractInto(fallback, true);
            LOG.log(System.Logger.Level.INFO, "{0} is not writable ({1}); the native libraries are in {2}",
                    root, first.getMessage(), folder);
            return paths(folder);
        } catch (IOException e) {
            NativeLibraryException failure = new NativeLibraryException("cannot extract the ct2j native libraries to "
                    + root + " (" + first + ") or to " + fallback + " (" + e + "); set $" + CacheFolders.CACHE_ENV
                    + " to a writable folder, or -D" + NativeLibrary.PATH_PROPERTY + " to an extracted libct2j.so", e);
            failure.addSuppressed(first);
            throw failure;
        }
    }

    private List<Path> paths(Path folder) {
        return entries.stream().map(e -> folder.resolve(e.name())).toList();
    }

    private Path extractInto(Path root, boolean untrusted) throws IOException {
        Path folder = root.resolve(hash);
        if (isComplete(folder, untrusted)) {
            return folder;
        }
        Files.createDirectories(root);
        if (Files.exists(folder)) {
            // Files went missing or changed after it was complete: move it aside, then extract again.
            discard(folder, root);
        }
        long start = System.nanoTime();
        Path staging = Files.createTempDirectory(root, "." + hash + "-");
        try {
            long bytes = 0;
            for (Entry entry : entries) {
                bytes += copyChecked(entry, staging.resolve(entry.name()));
            }
            Files.writeString(staging.resolve(LIST), listText); // last: marks the folder complete
            try {
                Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
                LOG.log(System.Logger.Level.DEBUG, "extracted {0} native libraries ({1} bytes) to {2} in {3} ms",
                        entries.size(), bytes, folder, (System.nanoTime() - start) / 1_000_000);
            } catch (IOException lost) {
                // Another JVM renamed its copy into place first (rename(2) fails on a non-empty
                // folder); it holds the same checked files.
                if (!isComplete(folder, untrusted)) {
                    throw lost;
                }
            }
        } finally {
            deleteTree(staging);
        }
        return folder;
    }

    private boolean isComplete(Path folder, boolean untrusted) throws IOException {
        Path list = folder.resolve(LIST);
        if (!Files.isRegularFile(list) || !Files.readString(list).equals(listText)) {
            return false;
        }
        for (Entry entry : entries) {
            Path file = folder.resolve(entry.name());
            if (!Files.isRegularFile(file) || untrusted && !entry.sha256().equals(sha256Hex(file))) {
                return false;
            }
        }
        return true;
    }

    private long copyChecked(Entry entry, Path target) throws IOException {
        String resource = resourceFolder + entry.name();
        MessageDigest digest = sha256();
        try (InputStream in = NativeExtractor.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NativeLibraryException("the ct2j jar lists " + resource + " in " + LIST + " but does not hold it");
            }
            long bytes = Files.copy(new DigestInputStream(in, digest), target);
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(entry.sha256())) {
                throw new NativeLibraryException("the ct2j jar's " + resource + " has sha256 " + actual + " but "
                        + LIST + " says " + entry.sha256() + ": the jar is corrupt");
            }
            return bytes;
        }
    }

    private static void discard(Path folder, Path root) throws IOException {
        Path aside = Files.createTempDirectory(root, ".stale-");
        try {
            Files.move(folder, aside.resolve("folder"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException racing) {
            // Another JVM moved it first; whatever is there now gets checked again after extraction.
        }
        deleteTree(aside);
    }

    static void deleteTree(Path tree) {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete " + tree, e);
        }
    }

    private static List<Entry> parse(String listText, String folder) {
        List<Entry> entries = new ArrayList<>();
        for (String line : listText.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.strip().split("\\s+\\*?", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}") || parts[1].contains("/")) {
                throw new NativeLibraryException("malformed line in " + folder + LIST + ": " + line);
            }
            entries.add(new Entry(parts[0], parts[1]));
        }
        if (entries.isEmpty()) {
            throw new NativeLibraryException(folder + LIST + " in the ct2j jar lists no libraries");
        }
        return List.copyOf(entries);
    }

    static String sha256Hex(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
