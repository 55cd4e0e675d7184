package dev.ct2j.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.bindings.ct2j_h;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The natives the jar carries (on the test class path: target/classes holds the same resources)
 * are extracted and loaded by fresh JVMs that are told nothing about the build: no
 * -Dct2j.native.lib, no $CT2J_NATIVE_LIB.
 */
class NativeExtractionTest {

    @Test
    void platformFolderNamesTheUnsupportedPlatform() {
        assertEquals("linux-x86_64", NativeLibrary.platform("Linux", "amd64"));
        assertEquals("linux-x86_64", NativeLibrary.platform("Linux", "x86_64"));
        var e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.platform("Mac OS X", "aarch64"));
        assertTrue(e.getMessage().contains("Mac OS X on aarch64") && e.getMessage().contains("supported: linux-x86_64"),
                e.getMessage());
        e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.platform("Linux", "aarch64"));
        assertTrue(e.getMessage().contains("linux-aarch64"), e.getMessage());
    }

    @Test
    void twoJvmsStartingAtOnceExtractOneCompleteFolder(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        Process a = probe(Map.of("CT2J_CACHE", cache.toString()), tmp, "a");
        Process b = probe(Map.of("CT2J_CACHE", cache.toString()), tmp, "b");
        List<String> outA = finish(a, tmp, "a");
        List<String> outB = finish(b, tmp, "b");

        Path folder = extractedFolder(outA, cache.resolve("native"));
        assertEquals(folder, extractedFolder(outB, cache.resolve("native")), "both JVMs load the same folder");
        assertTrue(outA.contains("abi " + ct2j_h.CT2J_ABI_VERSION()), outA.toString());
        for (String lib : List.of("libgomp.so.1", "libctranslate2.so.4", "libct2j.so")) {
            assertTrue(outA.contains("mapped " + folder.resolve(lib)), lib + " comes from the extracted folder: " + outA);
            assertTrue(outB.contains("mapped " + folder.resolve(lib)), lib + " comes from the extracted folder: " + outB);
        }
        assertListedFilesMatch(folder);
        try (Stream<Path> left = Files.list(cache.resolve("native"))) {
            assertEquals(List.of(folder), left.toList(), "no staging folders are left behind");
        }

        // A later start reuses the folder; one that lost a file is extracted again.
        long modified = Files.getLastModifiedTime(folder.resolve("libct2j.so")).toMillis();
        assertEquals(folder, extractedFolder(finish(probe(Map.of("CT2J_CACHE", cache.toString()), tmp, "c"), tmp, "c"),
                cache.resolve("native")));
        assertEquals(modified, Files.getLastModifiedTime(folder.resolve("libct2j.so")).toMillis(), "not extracted twice");
        Files.delete(folder.resolve("libctranslate2.so.4"));
        assertEquals(folder, extractedFolder(finish(probe(Map.of("CT2J_CACHE", cache.toString()), tmp, "d"), tmp, "d"),
                cache.resolve("native")));
        assertListedFilesMatch(folder);
    }

    @Test
    void anUnwritableCacheFallsBackToTheTemporaryFolder(@TempDir Path tmp) throws Exception {
        // Even root cannot create a folder under a regular file.
        Path notAFolder = Files.writeString(tmp.resolve("home-is-a-file"), "");
        Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
        List<String> out = finish(probe(Map.of("CT2J_CACHE", notAFolder.resolve("cache").toString()), tmp, "ro",
                "-Djava.io.tmpdir=" + javaTmp), tmp, "ro");
        Path root = javaTmp.resolve("ct2j-" + System.getProperty("user.name")).resolve("native");
        assertListedFilesMatch(extractedFolder(out, root));
    }

    private static Path extractedFolder(List<String> out, Path root) {
        String line = out.stream().filter(l -> l.startsWith("library ")).findFirst().orElseThrow(() -> new AssertionError(out));
        Path library = Path.of(line.substring("library ".length()));
        assertEquals("libct2j.so", library.getFileName().toString());
        assertEquals(root, library.getParent().getParent(), "extracted under " + root + ": " + library);
        assertTrue(library.getParent().getFileName().toString().matches("[0-9a-f]{16}"), library.toString());
        return library.getParent();
    }

    private static void assertListedFilesMatch(Path folder) throws Exception {
        List<String> lines = Files.readAllLines(folder.resolve(NativeExtractor.LIST));
        assertEquals(3, lines.size(), lines.toString());
        for (String line : lines) {
            String[] parts = line.split("\\s+");
            assertEquals(parts[0], NativeExtractor.sha256Hex(folder.resolve(parts[1])), line);
        }
        assertFalse(Files.isSymbolicLink(folder.resolve("libctranslate2.so.4")));
    }

    private static Process probe(Map<String, String> env, Path tmp, String name, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeLoadProbe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve(name + ".out").toFile()).redirectError(tmp.resolve(name + ".err").toFile());
        pb.environment().remove(NativeLibrary.PATH_ENV);
        pb.environment().remove(CacheFolders.CACHE_ENV);
        pb.environment().putAll(env);
        return pb.start();
    }

    private static List<String> finish(Process p, Path tmp, String name) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish");
        String err = Files.readString(tmp.resolve(name + ".err"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        return Files.readAllLines(tmp.resolve(name + ".out"));
    }
}
