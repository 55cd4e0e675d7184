package dev.ct2j.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What the Hub's etag says about a file's bytes: for an LFS file it is the SHA-256 of the content,
 * for a file stored in git it is the git blob id, {@code sha1("blob <length>\0" + content)}.
 */
final class Checksums {
    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

    private Checksums() {}

    /** The hash the etag names, or null when the etag is neither form (then only the size is checked). */
    static String expectedKind(String etag) {
        if (SHA256.matcher(etag).matches()) {
            return "sha256";
        }
        if (SHA1.matcher(etag).matches()) {
            return "git-sha1";
        }
        return null;
    }

    /** The file's hash of the kind the etag names, in lower-case hex; null if the etag names none. */
    static String hash(Path file, String etag) throws IOException {
        String kind = expectedKind(etag);
        if (kind == null) {
            return null;
        }
        MessageDigest digest = digest(kind.equals("sha256") ? "SHA-256" : "SHA-1");
        if (kind.equals("git-sha1")) {
            digest.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(Path file) throws IOException {
        return hash(file, "0".repeat(64));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }
}
