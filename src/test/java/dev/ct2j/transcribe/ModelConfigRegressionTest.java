package dev.ct2j.transcribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.engine.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inputs {@link ModelConfigPropertiesTest} found, each as it failed before its fix, in a copy
 * of the base model's small files (model.bin a placeholder: nothing here loads the native model).
 */
class ModelConfigRegressionTest {

    @TempDir
    Path dir;

    private Path modelDir(String config, String preprocessor) throws IOException {
        Path model = TestSupport.modelDir();
        Files.writeString(dir.resolve("config.json"), config != null ? config : Files.readString(model.resolve("config.json")));
        Files.writeString(dir.resolve("preprocessor_config.json"),
                preprocessor != null ? preprocessor : Files.readString(model.resolve("preprocessor_config.json")));
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Files.write(dir.resolve("model.bin"), new byte[] {0});
        return dir;
    }

    private static String realPreprocessor() throws IOException {
        return Files.readString(TestSupport.modelDir().resolve("preprocessor_config.json"));
    }

    private ModelFileException refused(Path model, String file) {
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> WhisperModel.featureExtractor(ModelDirectory.validate(model), 80));
        assertEquals(model.resolve(file).toAbsolutePath().normalize(), e.file(), e.getMessage());
        assertTrue(e.getMessage().contains(model.resolve(file).toAbsolutePath().normalize().toString()), e.getMessage());
        return e;
    }

    // Was accepted: ObjectMapper.readTree stops after the first value. The shrunk sample was the real
    // preprocessor_config.json followed by "\nx" (first found as a second "}").
    @Test
    void contentAfterTheObjectIsRefused() throws IOException {
        ModelFileException e = refused(modelDir(null, realPreprocessor() + "\nx"), "preprocessor_config.json");
        assertTrue(e.getMessage().contains("trailing content"), e.getMessage());
        String config = Files.readString(TestSupport.modelDir().resolve("config.json"));
        e = refused(modelDir(config + "}", null), "config.json");
        assertTrue(e.getMessage().contains("trailing content"), e.getMessage());
        // Whitespace after the object is not content.
        WhisperModel.featureExtractor(ModelDirectory.validate(modelDir(config + "\n\n", realPreprocessor() + "  \n")), 80);
    }

    // An empty file is still "not a JSON object", not a NullPointerException (readTree(parser) is null).
    @Test
    void anEmptyFileIsNotAnObject() throws IOException {
        ModelFileException e = refused(modelDir("", null), "config.json");
        assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
        e = refused(modelDir(null, " \n"), "preprocessor_config.json");
        assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
    }

    // Was accepted, read as 80 (canConvertToInt truncates); faster-whisper fails on a float.
    @Test
    void aFractionalPreprocessorValueIsRefusedByName() throws IOException {
        String real = realPreprocessor();
        ModelFileException e = refused(modelDir(null, real.replace("\"feature_size\": 80", "\"feature_size\": 80.0")),
                "preprocessor_config.json");
        assertTrue(e.getMessage().contains("'feature_size' must be an integer, got 80.0"), e.getMessage());
        e = refused(modelDir(null, real.replace("\"hop_length\": 160", "\"hop_length\": 160.9")),
                "preprocessor_config.json");
        assertTrue(e.getMessage().contains("'hop_length' must be an integer, got 160.9"), e.getMessage());
        e = refused(modelDir(null, real.replace("\"n_fft\": 400", "\"n_fft\": \"400\"")), "preprocessor_config.json");
        assertTrue(e.getMessage().contains("'n_fft' must be an integer, got \"400\""), e.getMessage());
    }
}
