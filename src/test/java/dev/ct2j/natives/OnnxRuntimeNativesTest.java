package dev.ct2j.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import dev.ct2j.vad.SileroVadModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX Runtime's natives are extracted once into ct2j's cache instead of a new temporary folder per start. */
class OnnxRuntimeNativesTest {
    @Test
    void extractsOnceAndReusesTheFolder(@TempDir Path root) throws Exception {
        Path folder = OnnxRuntimeNatives.extract(root, OrtEnvironment.class).orElseThrow();
        for (String name : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
            long size = OrtEnvironment.class.getResource("/ai/onnxruntime/native/linux-x64/" + name)
                    .openConnection().getContentLengthLong();
            assertEquals(size, Files.size(folder.resolve(name)), name);
        }
        FileTime written = Files.getLastModifiedTime(folder.resolve("libonnxruntime.so"));
        assertEquals(folder, OnnxRuntimeNatives.extract(root, OrtEnvironment.class).orElseThrow());
        assertEquals(written, Files.getLastModifiedTime(folder.resolve("libonnxruntime.so")), "extracted twice");
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(List.of(folder), left.toList(), "no staging folder is left behind");
        }
    }

    @Test
    void vadPointsOnnxRuntimeAtTheCachedCopy() {
        try (SileroVadModel vad = SileroVadModel.loadDefault()) {
            String path = System.getProperty(OnnxRuntimeNatives.PATH_PROPERTY);
            assertTrue(path != null && Files.isRegularFile(Path.of(path, "libonnxruntime.so")),
                    "onnxruntime.native.path: " + path);
            assertTrue(Path.of(path).startsWith(NativeExtractor.defaultRoot()), path);
        }
    }
}
