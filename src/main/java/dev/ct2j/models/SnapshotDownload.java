package dev.ct2j.models;

import dev.ct2j.models.HubClient.FileMetadata;
import dev.ct2j.models.HubClient.HubHttpException;
import dev.ct2j.models.HubClient.LocalWriteException;
import dev.ct2j.models.HubClient.RepoInfo;
import dev.ct2j.models.ModelDownloadException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * huggingface_hub's {@code snapshot_download(repo_id, allow_patterns=...)} as faster-whisper calls
 * it: resolve the revision to a commit (online: one API call; offline: {@code refs/}), pick the
 * repository's files that match faster-whisper's patterns, and fetch each one that is not already
 * in {@code snapshots/COMMIT/} (or, with an output directory, in that directory).
 */
final class SnapshotDownload {
    /** faster-whisper's download_model allow_patterns. */
    static final List<String> ALLOW_PATTERNS =
            List.of("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*");
    private static final List<Pattern> ALLOW = ALLOW_PATTERNS.stream().map(SnapshotDownload::glob).toList();
    static final String DEFAULT_REVISION = "main";

    private final String model; // the name the caller gave, for messages
    private final String repoId;
    private final HubOptions options;
    private final HubEnvironment env;
    private final HubCache cache;
    private final String revision;

    SnapshotDownload(String model, String repoId, HubOptions options, HubEnvironment env) {
        this.model = model;
        this.repoId = repoId;
        this.options = options;
        this.env = env;
        this.cache = new HubCache(env.cacheDir());
        this.revision = options.revision() != null ? options.revision() : DEFAULT_REVISION;
    }

    Path run() {
        boolean offline = options.localFilesOnly() || env.offline();
        Path outputDir = options.outputDir() == null ? null : options.outputDir().toAbsolutePath().normalize();
        String commit = HubCache.COMMIT_HASH.matcher(revision).matches() ? revision : null;

        // A commit's files never change: a complete snapshot of it needs no network at all.
        if (commit != null && outputDir == null && hasModelFiles(cache.snapshot(repoId, commit))) {
            return cache.snapshot(repoId, commit);
        }

        RepoInfo info = null;
        IOException apiError = null;
        if (!offline) {
            try (HubClient client = client()) {
                info = client.repoInfo(repoId, revision);
            } catch (HubHttpException e) {
                if ("RevisionNotFound".equals(e.errorCode)) {
                    throw httpFailure(e, null);
                }
                apiError = e;
            } catch (IOException e) {
                apiError = e;
            }
        }
        if (info == null) {
            return fromCache(commit, outputDir, offline, apiError);
        }

        commit = info.sha();
        List<String> files = info.files().stream().filter(SnapshotDownload::allowed).toList();
        if (files.isEmpty()) {
            throw new ModelDownloadException(Kind.NOT_FOUND, describe() + " at commit " + commit
                    + " has none of the files faster-whisper downloads (" + String.join(", ", ALLOW_PATTERNS) + ")");
        }
        if (outputDir == null) {
            try {
                cache.writeRef(repoId, revision, commit);
            } catch (IOException e) {
                throw localFailure(e, cache.storage(repoId).resolve("refs").resolve(revision), null);
            }
        }
        try (HubClient client = client()) {
            for (String file : files) {
                if (outputDir == null) {
                    downloadToCache(client, commit, file);
                } else {
                    downloadToDirectory(client, outputDir, commit, file);
                }
            }
        }
        return outputDir != null ? outputDir : cache.snapshot(repoId, commit);
    }

    private HubClient client() {
        return new HubClient(env.endpoint(), env.token(), options.timeout());
    }

    // snapshot_download when the API call failed or was not allowed: the cached snapshot of the
    // revision (through refs/ for a branch or tag), else the output directory if it holds anything.
    private Path fromCache(String commit, Path outputDir, boolean offline, IOException apiError) {
        String resolved = commit != null ? commit : cache.ref(repoId, revision).orElse(null);
        if (outputDir == null && resolved != null && Files.isDirectory(cache.snapshot(repoId, resolved))) {
            return cache.snapshot(repoId, resolved);
        }
        if (outputDir != null && isNonEmptyDirectory(outputDir)) {
            return outputDir;
        }
        String where = outputDir != null ? "in " + outputDir : "in the Hub cache " + cache.root();
        if (offline) {
            String why = options.localFilesOnly() ? "localFilesOnly is set" : "HF_HUB_OFFLINE is set";
            throw new ModelDownloadException(Kind.NOT_CACHED, describe() + " is not " + where + " and " + why
                    + ", so nothing may be downloaded" + pathHint());
        }
        if (apiError instanceof HubHttpException http) {
            throw httpFailure(http, null);
        }
        throw new ModelDownloadException(Kind.IO, "cannot reach the Hub at " + env.endpoint() + " for " + describe()
                + " (" + networkMessage(apiError) + "), and it is not " + where, apiError);
    }

    private void downloadToCache(HubClient client, String commit, String file) {
        Path pointer = cache.pointer(repoId, commit, file);
        if (Files.exists(pointer)) { // revision is a commit: a file there is the file
            return;
        }
        FileMetadata meta = metadata(client, commit, file);
        Path blob = cache.blob(repoId, meta.etag());
        try (AutoCloseable lock = HubCache.lock(cache.lockFile(repoId, meta.etag()))) {
            cache.writeCacheDirTag();
            if (!Files.exists(blob)) {
                fetch(client, meta, file, cache.incomplete(repoId, meta.etag()), blob);
            }
            cache.link(blob, pointer);
        } catch (ModelDownloadException e) {
            throw e;
        } catch (Exception e) {
            throw localFailure(e instanceof IOException io ? io : new IOException(e), pointer, file);
        }
    }

    // snapshot_download(local_dir=): plain files, with huggingface_hub's bookkeeping in
    // DIR/.cache/huggingface/download/FILE.metadata ("commit\netag\ntimestamp\n").
    private void downloadToDirectory(HubClient client, Path dir, String commit, String file) {
        Path target = dir.resolve(file);
        Path bookkeeping = dir.resolve(".cache").resolve("huggingface");
        Path metadataFile = bookkeeping.resolve("download").resolve(file + ".metadata");
        Optional<String[]> local = readLocalMetadata(metadataFile, target);
        if (Files.isRegularFile(target) && local.isPresent() && local.get()[0].equals(commit)) {
            return;
        }
        FileMetadata meta = metadata(client, commit, file);
        try {
            Files.createDirectories(metadataFile.getParent());
            Path gitignore = bookkeeping.resolve(".gitignore");
            if (!Files.exists(gitignore)) {
                Files.writeString(gitignore, "*");
            }
            boolean present = Files.isRegularFile(target)
                    && (local.isPresent() && local.get()[1].equals(meta.etag())
                        || local.isEmpty() && Checksums.SHA256.matcher(meta.etag()).matches()
                           && Checksums.sha256(target).equals(meta.etag()));
            if (!present) {
                Path partial = metadataFile.resolveSibling(target.getFileName() + "." + meta.etag() + ".incomplete");
                try (AutoCloseable lock = HubCache.lock(metadataFile.resolveSibling(target.getFileName() + ".lock"))) {
                    fetch(client, meta, file, partial, target);
                }
            }
            String now = String.format(Locale.ROOT, "%.6f", System.currentTimeMillis() / 1000.0);
            Files.writeString(metadataFile, commit + "\n" + meta.etag() + "\n" + now + "\n", StandardCharsets.UTF_8);
        } catch (ModelDownloadException e) {
            throw e;
        } catch (Exception e) {
            throw localFailure(e instanceof IOException io ? io : new IOException(e), target, file);
        }
    }

    private static Optional<String[]> readLocalMetadata(Path metadataFile, Path target) {
        try {
            List<String> lines = Files.readAllLines(metadataFile, StandardCharsets.UTF_8);
            if (lines.size() < 3) {
                return Optional.empty();
            }
            double timestamp = Double.parseDouble(lines.get(2).strip());
            double mtime = Files.getLastModifiedTime(target).toMillis() / 1000.0;
            // huggingface_hub trusts the metadata unless the file changed after it was written
            return mtime - 1 <= timestamp
                    ? Optional.of(new String[] {lines.get(0).strip(), lines.get(1).strip()}) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private FileMetadata metadata(HubClient client, String commit, String file) {
        try {
            return client.fileMetadata(repoId, commit, file);
        } catch (HubHttpException e) {
            throw httpFailure(e, file);
        } catch (IOException e) {
            throw new ModelDownloadException(Kind.IO, "cannot get " + file + " of " + describe() + " from "
                    + client.resolveUrl(repoId, commit, file) + ": " + networkMessage(e), e);
        }
    }

    // Download into `partial`, check size and hash, then move to `destination`. A short file
    // stays to be resumed; a file with the wrong bytes is deleted.
    private void fetch(HubClient client, FileMetadata meta, String file, Path partial, Path destination)
            throws IOException {
        long usable = usableSpace(partial.getParent());
        long already = Files.exists(partial) ? Files.size(partial) : 0;
        if (meta.size() >= 0 && usable >= 0 && usable < meta.size() - already) {
            throw new ModelDownloadException(Kind.DISK_FULL, "no space left on device for " + file + " of "
                    + describe() + ": it needs " + (meta.size() - already) + " more bytes, " + partial.getParent()
                    + " has " + usable);
        }
        long have;
        try {
            have = client.download(meta.location(), partial, meta.size(), file, options.progress());
        } catch (HubHttpException e) {
            throw httpFailure(e, file);
        } catch (LocalWriteException e) {
            throw localFailure(e, e.path, file);
        } catch (IOException e) {
            throw new ModelDownloadException(Kind.IO, "download of " + file + " of " + describe() + " from "
                    + meta.location() + " failed (the partial file " + partial + " is kept and resumed next time): "
                    + networkMessage(e), e);
        }
        if (meta.size() >= 0 && have != meta.size()) {
            Files.deleteIfExists(partial);
            throw new ModelDownloadException(Kind.CHECKSUM, "checksum mismatch for " + file + " of " + describe()
                    + " from " + meta.location() + ": the Hub reports " + meta.size() + " bytes, got " + have);
        }
        String actual = Checksums.hash(partial, meta.etag());
        if (actual != null && !actual.equals(meta.etag())) {
            Files.deleteIfExists(partial);
            throw new ModelDownloadException(Kind.CHECKSUM, "checksum mismatch for " + file + " of " + describe()
                    + " from " + meta.location() + ": expected " + Checksums.expectedKind(meta.etag()) + " "
                    + meta.etag() + ", got " + actual + " (the download was deleted)");
        }
        Files.createDirectories(destination.getParent());
        HubCache.move(partial, destination);
    }

    private static long usableSpace(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private ModelDownloadException httpFailure(HubHttpException e, String file) {
        String what = (file != null ? file + " of " : "") + describe();
        String url = " (" + e.url + ")";
        return switch (e.status) {
            case 401, 403 -> new ModelDownloadException(Kind.UNAUTHORIZED, e.status + ": access to " + what
                    + " was refused" + url + ". "
                    + ("GatedRepo".equals(e.errorCode)
                        ? "It is a gated repository: accept its conditions on the Hub and use a token with access. "
                        : "The repository may be private or gated, or may not exist. ")
                    + (env.token() == null
                        ? "No token was sent: set HF_TOKEN, or log in so that $HF_HOME/token exists."
                        : "The token that was sent (HF_TOKEN or $HF_HOME/token) was not accepted for it."), e);
            case 404 -> new ModelDownloadException(Kind.NOT_FOUND, switch (e.errorCode == null ? "" : e.errorCode) {
                case "RevisionNotFound" -> "revision '" + revision + "' of " + repoId + " not found" + url;
                case "EntryNotFound" -> file + " not found in " + describe() + url;
                default -> "404: " + describe() + " not found on the Hub" + url + pathHint();
            }, e);
            default -> new ModelDownloadException(Kind.IO, "the Hub answered " + e.getMessage() + " for " + what, e);
        };
    }

    private ModelDownloadException localFailure(IOException e, Path path, String file) {
        String what = (file != null ? file + " of " : "") + describe();
        if (isDiskFull(e)) {
            return new ModelDownloadException(Kind.DISK_FULL, "no space left on device writing " + path
                    + " (" + what + ")", e);
        }
        return new ModelDownloadException(Kind.IO, "cannot write " + path + " (" + what + "): " + e, e);
    }

    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    private static String networkMessage(IOException e) {
        if (e instanceof HttpConnectTimeoutException || e instanceof HttpTimeoutException) {
            return "timed out: " + e.getMessage();
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private String describe() {
        String rev = revision.equals(DEFAULT_REVISION) ? "" : " at revision " + revision;
        return model.equals(repoId) ? "model " + repoId + rev : "model '" + model + "' (" + repoId + rev + ")";
    }

    // A name with a slash that is not a directory is taken as a repo id, as in faster-whisper.
    private String pathHint() {
        return model.equals(repoId) ? " (and there is no directory " + Path.of(model).toAbsolutePath() + ")" : "";
    }

    private static boolean hasModelFiles(Path snapshot) {
        return Files.isRegularFile(snapshot.resolve("model.bin")) && Files.isRegularFile(snapshot.resolve("config.json"));
    }

    private static boolean isNonEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    static boolean allowed(String file) {
        return ALLOW.stream().anyMatch(p -> p.matcher(file).matches());
    }

    // fnmatch.fnmatchcase: '*' also crosses '/', as huggingface_hub's filter_repo_objects does.
    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
