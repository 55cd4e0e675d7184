package dev.ct2j.models;

import dev.ct2j.natives.CacheFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The settings huggingface_hub reads from the environment ({@code constants.py}, {@code _auth.py}),
 * read from an explicit map so that tests can set them. Explicit {@link HubOptions} win.
 */
record HubEnvironment(String endpoint, String token, boolean offline, Path cacheDir) {
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    static HubEnvironment of(Map<String, String> env, HubOptions options) {
        String endpoint = options.endpoint() != null ? options.endpoint() : env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
        endpoint = stripTrailingSlashes(endpoint);
        Path home = hfHome(env);
        String token = options.token() != null ? clean(options.token()) : token(env, home);
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE") != null && !env.get("HF_HUB_OFFLINE").isEmpty()
                ? env.get("HF_HUB_OFFLINE") : env.get("TRANSFORMERS_OFFLINE"));
        Path cache = options.cacheDir() != null ? options.cacheDir() : hubCache(env, home);
        return new HubEnvironment(endpoint, token, offline, expand(cache, env).toAbsolutePath().normalize());
    }

    static boolean isTrue(String value) {
        return value != null && TRUE_VALUES.contains(value.toUpperCase(java.util.Locale.ROOT));
    }

    private static Path hfHome(Map<String, String> env) {
        String home = env.get("HF_HOME");
        if (home != null) {
            return expand(Path.of(home), env);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null ? Path.of(xdg) : CacheFolders.home(env).resolve(".cache");
        return expand(base.resolve("huggingface"), env);
    }

    private static Path hubCache(Map<String, String> env, Path home) {
        String cache = env.get("HF_HUB_CACHE");
        if (cache == null) {
            cache = env.get("HUGGINGFACE_HUB_CACHE"); // the legacy name huggingface_hub still reads
        }
        return cache != null ? Path.of(cache) : home.resolve("hub");
    }

    // HF_TOKEN, then the legacy HUGGING_FACE_HUB_TOKEN, then $HF_TOKEN_PATH (default $HF_HOME/token).
    private static String token(Map<String, String> env, Path home) {
        String fromEnv = env.get("HF_TOKEN");
        if (fromEnv == null || fromEnv.isEmpty()) {
            fromEnv = env.get("HUGGING_FACE_HUB_TOKEN");
        }
        String cleaned = clean(fromEnv);
        if (cleaned != null) {
            return cleaned;
        }
        String tokenPath = env.get("HF_TOKEN_PATH");
        Path file = tokenPath != null ? expand(Path.of(tokenPath), env) : home.resolve("token");
        try {
            return clean(Files.readString(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ModelDownloadException(ModelDownloadException.Kind.IO,
                    "cannot read the Hugging Face token file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String clean(String token) {
        if (token == null) {
            return null;
        }
        String cleaned = token.replace("\r", "").replace("\n", "").strip();
        return cleaned.isEmpty() ? null : cleaned;
    }

    // Python's expanduser: ~ is $HOME.
    private static Path expand(Path path, Map<String, String> env) {
        String s = path.toString();
        if (s.equals("~") || s.startsWith("~/")) {
            return Path.of(CacheFolders.home(env) + s.substring(1));
        }
        return path;
    }

    private static String stripTrailingSlashes(String url) {
        String s = url;
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
