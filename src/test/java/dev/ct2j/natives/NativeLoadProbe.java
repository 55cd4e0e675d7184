package dev.ct2j.natives;

import dev.ct2j.bindings.ct2j_h;
import java.nio.file.Files;
import java.nio.file.Path;

/** Child JVM for NativeExtractionTest: loads the natives the way a user's JVM does and reports from where. */
public final class NativeLoadProbe {
    private NativeLoadProbe() {}

    public static void main(String[] args) throws Exception {
        Path library = NativeLibrary.ensureLoaded();
        System.out.println("library " + library);
        System.out.println("abi " + ct2j_h.ct2j_abi_version());
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash >= 0 && (line.contains("libctranslate2") || line.contains("libgomp") || line.contains("libct2j"))) {
                System.out.println("mapped " + line.substring(slash));
            }
        }
    }
}
