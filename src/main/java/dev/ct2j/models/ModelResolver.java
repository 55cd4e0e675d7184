package dev.ct2j.models;

import dev.ct2j.models.ModelDownloadException.Kind;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * Where a model name leads: the one place ct2j looks models up. The order:
 *
 * <ol>
 *   <li>an existing directory is the model (faster-whisper's {@code os.path.isdir});</li>
 *   <li>a plain name installed in the ct2j store ({@code $CT2J_MODELS/NAME}, see {@link ModelStore})
 *       is used without any network call, unless the {@link HubOptions} ask for a revision, an
 *       output directory or a cache directory;</li>
 *   <li>a faster-whisper size ({@link #availableModels()}: {@code base} is
 *       {@code Systran/faster-whisper-base}) or any name with a slash (an {@code org/repo} id) is
 *       fetched from the Hugging Face Hub into its cache, as faster-whisper's
 *       {@code download_model} does, and found there offline;</li>
 *   <li>anything else is an error that lists the valid names.</li>
 * </ol>
 *
 * <p>The Hub settings come from an environment map ({@code HF_ENDPOINT}, {@code HF_TOKEN},
 * {@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}, {@code CT2J_MODELS}); explicit
 * options win. Thread-safe.
 */
public final class ModelResolver {
    // faster-whisper 1.2.1 utils._MODELS, in its order.
    private static final SequencedMap<String, String> MODELS = new LinkedHashMap<>();
    static {
        for (String size : List.of("tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en",
                "medium", "large-v1", "large-v2", "large-v3")) {
            MODELS.put(size, "Systran/faster-whisper-" + size);
        }
        MODELS.put("large", "Systran/faster-whisper-large-v3");
        for (String size : List.of("distil-large-v2", "distil-medium.en", "distil-small.en", "distil-large-v3")) {
            MODELS.put(size, "Systran/faster-" + size.replace("distil-", "distil-whisper-"));
        }
        MODELS.put("distil-large-v3.5", "distil-whisper/distil-large-v3.5-ct2");
        MODELS.put("large-v3-turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo");
        MODELS.put("turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo");
    }
    // huggingface_hub's validate_repo_id, with the namespace required.
    private static final Pattern REPO_ID = Pattern.compile("[\\w.-]+/[\\w.-]{1,96}");

    private final Map<String, String> environment;
    private final ModelStore store;

    public ModelResolver(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        this.store = ModelStore.fromEnvironment(this.environment);
    }

    /** A resolver over the process environment. */
    public static ModelResolver system() {
        return new ModelResolver(System.getenv());
    }

    public ModelStore store() {
        return store;
    }

    /** faster-whisper's available_models(): the sizes, in its order. */
    public static List<String> availableModels() {
        return List.copyOf(MODELS.sequencedKeySet());
    }

    /** The Hub repository a faster-whisper size names ("base" -> "Systran/faster-whisper-base"). */
    public static Optional<String> repoIdFor(String size) {
        return Optional.ofNullable(MODELS.get(size));
    }

    /** The Hub cache these options and this environment name. */
    public HubCache hubCache(HubOptions options) {
        return new HubCache(HubEnvironment.of(environment, options).cacheDir());
    }

    public Path resolve(String sizeOrPath) {
        return resolve(sizeOrPath, HubOptions.defaults());
    }

    /** The model's directory; downloads it if it must. */
    public Path resolve(String sizeOrPath, HubOptions options) {
        if (sizeOrPath == null || sizeOrPath.isBlank()) {
            throw new IllegalArgumentException("model path or name must not be empty");
        }
        Path asPath = asPath(sizeOrPath);
        if (asPath != null && Files.isDirectory(asPath)) {
            return asPath.toAbsolutePath().normalize();
        }
        if (!options.namesHubLocation()) {
            Optional<Path> installed = store.model(sizeOrPath);
            if (installed.isPresent()) {
                return installed.get().toAbsolutePath().normalize();
            }
        }
        String repoId = sizeOrPath.contains("/") ? sizeOrPath : MODELS.get(sizeOrPath);
        if (repoId == null) {
            throw unknown(sizeOrPath);
        }
        if (!isRepoId(repoId)) {
            throw new ModelDownloadException(Kind.UNKNOWN_MODEL, "model directory not found: "
                    + (asPath != null ? asPath.toAbsolutePath() : sizeOrPath)
                    + " (and '" + sizeOrPath + "' is not a Hugging Face repo id either)");
        }
        return new SnapshotDownload(sizeOrPath, repoId, options, HubEnvironment.of(environment, options)).run();
    }

    static boolean isRepoId(String id) {
        return REPO_ID.matcher(id).matches() && !id.contains("--") && !id.contains("..") && !id.endsWith(".git");
    }

    private ModelDownloadException unknown(String name) {
        List<String> installed = store.modelNames();
        return new ModelDownloadException(Kind.UNKNOWN_MODEL, "unknown model '" + name + "': it is not a directory, "
                + "not installed in the ct2j store " + store.path()
                + (installed.isEmpty() ? "" : " (installed: " + String.join(", ", installed) + ")")
                + ", not a faster-whisper size (" + String.join(", ", MODELS.sequencedKeySet())
                + "), and not a Hugging Face repo id (org/name)");
    }

    private static Path asPath(String s) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
