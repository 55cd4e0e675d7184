package dev.ct2j.models;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The Hugging Face Hub cache, laid out exactly as huggingface_hub lays it out, so that either side
 * finds what the other downloaded:
 *
 * <pre>
 * CACHE/models--Org--Repo/refs/main                 the commit hash main pointed to
 * CACHE/models--Org--Repo/blobs/ETAG                the bytes (ETAG: sha256 for LFS files, git sha1 otherwise)
 * CACHE/models--Org--Repo/snapshots/COMMIT/FILE  -> ../../blobs/ETAG (a relative symlink)
 * CACHE/.locks/models--Org--Repo/ETAG.lock
 * </pre>
 */
public final class HubCache {
    static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** {@code models--Org--Repo}: huggingface_hub's repo_folder_name. */
    public static String folderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    public Path storage(String repoId) {
        return root.resolve(folderName(repoId));
    }

    public Path snapshot(String repoId, String commit) {
        return storage(repoId).resolve("snapshots").resolve(commit);
    }

    Path pointer(String repoId, String commit, String file) {
        return snapshot(repoId, commit).resolve(file);
    }

    Path blob(String repoId, String etag) {
        return storage(repoId).resolve("blobs").resolve(etag);
    }

    Path incomplete(String repoId, String etag) {
        return storage(repoId).resolve("blobs").resolve(etag + ".incomplete");
    }

    /** The commit a branch or tag pointed to when it was last resolved online. */
    public Optional<String> ref(String repoId, String revision) {
        Path ref = storage(repoId).resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8);
            return commit.isEmpty() ? Optional.empty() : Optional.of(commit);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records {@code revision -> commit}, atomically, and only when it changed (as huggingface_hub). */
    void writeRef(String repoId, String revision, String commit) throws IOException {
        if (revision.equals(commit) || ref(repoId, revision).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = storage(repoId).resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        move(tmp, ref);
    }

    /** {@code snapshots/COMMIT/FILE -> ../../blobs/ETAG}, relative; a copy where symlinks fail. */
    void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path relative = pointer.getParent().relativize(blob);
        Files.deleteIfExists(pointer);
        try {
            Files.createSymbolicLink(pointer, relative);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isSameFile(pointer, blob)) {
                throw e;
            }
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The backup-tools marker huggingface_hub puts at the top of its cache. */
    void writeCacheDirTag() {
        Path tag = root.resolve("CACHEDIR.TAG");
        if (Files.exists(tag)) {
            return;
        }
        try {
            Files.createDirectories(root);
            Files.writeString(tag, "Signature: 8a477f597d28d172789f06886806bc55\n"
                    + "# This file is a cache directory tag created by huggingface_hub.\n"
                    + "# For information about cache directory tags, see https://bford.info/cachedir/\n",
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // best effort, as in huggingface_hub
        }
    }

    /** Holds the per-blob lock, in this JVM and (an advisory file lock) across JVMs. */
    static AutoCloseable lock(Path lockFile) throws IOException {
        Files.createDirectories(lockFile.getParent());
        ReentrantLock local = LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
        local.lock();
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock;
            try {
                fileLock = channel.lock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return () -> {
                try {
                    fileLock.release();
                } finally {
                    channel.close();
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    Path lockFile(String repoId, String etag) {
        return root.resolve(".locks").resolve(folderName(repoId)).resolve(etag + ".lock");
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
