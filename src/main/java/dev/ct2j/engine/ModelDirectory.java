package dev.ct2j.engine;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A converted Whisper model on disk, checked file by file so that a broken install fails with the
 * name of the file at fault rather than somewhere deep in CTranslate2.
 *
 * <p>Names (the ct2j store, faster-whisper sizes, Hub repo ids) are resolved to a directory by
 * {@code dev.ct2j.models.ModelResolver}; this type only checks a directory.
 *
 * @param preprocessorConfig preprocessor_config.json if present. faster-whisper treats a missing
 *                           file as "defaults (80 mels)"; so do we, but a corrupt one is an error
 *                           here where faster-whisper only logs a warning.
 */
public record ModelDirectory(Path path, Path modelBin, Path config, Path tokenizer,
                             Optional<JsonNode> preprocessorConfig) {

    /** The model the README's commands and the CLI use when none is named. */
    public static final String DEFAULT_MODEL = "base";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKENIZER = "tokenizer.json";
    private static final String VOCABULARY = "vocabulary.json";

    /** Checks that a directory holds a loadable model; names the first file at fault. */
    public static ModelDirectory validate(Path dir) {
        Path path = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new ModelFileException(path, "model directory not found: " + path);
        }
        Path modelBin = requireFile(path, "model.bin");
        try {
            if (Files.size(modelBin) == 0) {
                throw new ModelFileException(modelBin, "model file is empty: " + modelBin);
            }
        } catch (IOException e) {
            throw new ModelFileException(modelBin, "cannot read " + modelBin + ": " + e.getMessage(), e);
        }
        Path config = requireFile(path, "config.json");
        JsonNode configJson = readJson(config);
        if (!configJson.isObject()) {
            throw new ModelFileException(config, "corrupt model file " + config + ": expected a JSON object");
        }
        Path tokenizer = requireFile(path, TOKENIZER);
        Path vocabulary = path.resolve(VOCABULARY);
        if (Files.exists(vocabulary)) {
            requireFile(path, VOCABULARY);
        }
        Path preprocessor = path.resolve("preprocessor_config.json");
        Optional<JsonNode> preprocessorConfig = Optional.empty();
        if (Files.exists(preprocessor)) {
            JsonNode node = readJson(preprocessor);
            if (!node.isObject()) {
                throw new ModelFileException(preprocessor, "corrupt model file " + preprocessor
                        + ": expected a JSON object");
            }
            preprocessorConfig = Optional.of(node);
        }
        return new ModelDirectory(path, modelBin, config, tokenizer, preprocessorConfig);
    }

    private static Path requireFile(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, "model file missing: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new ModelFileException(file, "model file not readable: " + file);
        }
        return file;
    }

    // One JSON value and nothing after it, as CTranslate2's reader and Python's json.load want:
    // ObjectMapper.readTree alone stops after the first value and ignores the rest.
    private static JsonNode readJson(Path file) {
        try (JsonParser parser = JSON.getFactory().createParser(file.toFile())) {
            JsonNode node = JSON.readTree(parser);
            if (node == null) {
                return MissingNode.getInstance(); // empty: "expected a JSON object"
            }
            var end = parser.currentLocation();
            boolean trailing;
            try {
                trailing = parser.nextToken() != null;
            } catch (JsonProcessingException e) {
                trailing = true; // not even a token: "x", a stray quote
            }
            if (trailing) {
                throw new ModelFileException(file, "corrupt model file " + file + ": trailing content after the JSON value"
                        + " (which ends at line " + end.getLineNr() + ", column " + end.getColumnNr() + ")");
            }
            return node;
        } catch (IOException e) {
            throw new ModelFileException(file, "corrupt model file " + file + ": " + originalMessage(e), e);
        }
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    /**
     * A syntax error in {@code tokenizer.json} or {@code vocabulary.json}, as an error naming the
     * file, for when the tokenizer or CTranslate2 failed to load them (CTranslate2 reports its
     * syntax errors as model.bin's). Checked only then: the two files are megabytes, and reading
     * them on every load cost a quarter of a second of a short run.
     */
    public Optional<ModelFileException> jsonSyntaxError(String fileName) {
        JsonToken start = switch (fileName) {
            case TOKENIZER -> JsonToken.START_OBJECT;
            case VOCABULARY -> JsonToken.START_ARRAY;
            default -> throw new IllegalArgumentException("no syntax check for " + fileName);
        };
        Path file = path.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        // Streamed through, without building a tree.
        try (JsonParser parser = JSON.getFactory().createParser(file.toFile())) {
            if (parser.nextToken() != start) {
                return Optional.of(new ModelFileException(file, "corrupt model file " + file + ": expected "
                        + (start == JsonToken.START_OBJECT ? "a JSON object" : "a JSON list of tokens")));
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return Optional.of(new ModelFileException(file, "corrupt model file " + file + ": trailing content"));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(new ModelFileException(file, "corrupt model file " + file + ": " + e.getMessage(), e));
        }
    }
}
