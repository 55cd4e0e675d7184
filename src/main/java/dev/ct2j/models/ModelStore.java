package dev.ct2j.models;

import dev.ct2j.natives.CacheFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ct2j's own model store: {@code $CT2J_MODELS}, default {@code ~/.cache/ct2j/models}, filled by
 * {@code scripts/install-model.sh} (Whisper models, one directory per name) and
 * {@code scripts/install-vad.sh} (the Silero VAD file).
 */
public final class ModelStore {
    public static final String STORE_ENV = "CT2J_MODELS";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path path;

    private ModelStore(Path path) {
        this.path = path;
    }

    /** The store the process environment names. */
    public static ModelStore system() {
        return fromEnvironment(System.getenv());
    }

    public static ModelStore fromEnvironment(Map<String, String> environment) {
        String configured = environment.get(STORE_ENV);
        if (configured != null && !configured.isBlank()) {
            return new ModelStore(Path.of(configured));
        }
        return new ModelStore(CacheFolders.home(environment).resolve(".cache/ct2j/models"));
    }

    public static ModelStore at(Path path) {
        return new ModelStore(path);
    }

    public Path path() {
        return path;
    }

    /** Whether {@code name} could name a store entry (one path element, no separators). */
    static boolean isStoreName(String name) {
        return NAME.matcher(name).matches() && !name.equals("..");
    }

    /** The installed model directory called {@code name}, if there is one. */
    public Optional<Path> model(String name) {
        if (!isStoreName(name)) {
            return Optional.empty();
        }
        Path dir = path.resolve(name);
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /** A file kept at the top of the store (the VAD model); it may not exist. */
    public Path file(String fileName) {
        return path.resolve(fileName);
    }

    /** The names of the installed model directories (those holding a model.bin), sorted. */
    public List<String> modelNames() {
        if (!Files.isDirectory(path)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.filter(p -> Files.isRegularFile(p.resolve("model.bin")))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
