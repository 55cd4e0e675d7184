package dev.ct2j.models;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Hugging Face Hub's download endpoints on loopback, for tests: the revision API, HEAD/GET
 * {@code resolve} (LFS files redirect with 302 to a second server standing in for the CDN, with
 * {@code X-Linked-Size}/{@code X-Linked-Etag} on the redirect), Range requests, and the error
 * answers (401/403 with {@code X-Error-Code: GatedRepo}, 404 RepoNotFound/RevisionNotFound).
 * Faults can be armed per file: cut the next body after N bytes, or flip a byte in it.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

    /** One file of a repository; LFS files are named by sha256, others by git blob sha1. */
    record RepoFile(String name, Path source, boolean lfs, long size, String etag) {}

    record Repo(String id, Map<String, RepoFile> files, String token) {}

    /** What a server saw: which server, method, path, and the Range and Authorization headers. */
    record Request(String server, String method, String path, String range, String authorization) {}

    private final HttpServer hub;
    private final ServerSocket cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Long> cutAfter = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();

    FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = new ServerSocket(0, 50, loopback);
        hub.createContext("/", this::handleHub);
        hub.start();
        Thread.ofPlatform().daemon().name("fake-cdn").start(this::acceptCdn);
    }

    String endpoint() {
        return "http://" + hub.getAddress().getHostString() + ":" + hub.getAddress().getPort();
    }

    private String cdnBase() {
        return "http://" + cdn.getInetAddress().getHostAddress() + ":" + cdn.getLocalPort();
    }

    /** Serves the given files (name -> path) as repo {@code id}; {@code lfsFiles} are LFS. */
    Repo addRepo(String id, Map<String, Path> files, Set<String> lfsFiles, String token) {
        Map<String, RepoFile> entries = new LinkedHashMap<>();
        files.forEach((name, path) -> {
            try {
                long size = Files.size(path);
                boolean lfs = lfsFiles.contains(name);
                entries.put(name, new RepoFile(name, path, lfs, size, lfs ? sha256(path) : gitSha1(path)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Repo repo = new Repo(id, entries, token);
        repos.put(id, repo);
        return repo;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    /** The next body of {@code file} stops after {@code bytes} bytes (the connection drops). */
    void cutNextBodyAfter(String file, long bytes) {
        cutAfter.put(file, bytes);
    }

    void clearFaults() {
        cutAfter.clear();
        corrupt.clear();
    }

    /** The next body of {@code file} has one byte flipped. */
    void corruptNextBody(String file) {
        corrupt.add(file);
    }

    private void handleHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            record(exchange, "hub", path);
            String[] parts = path.substring(1).split("/");
            if (parts.length >= 5 && parts[0].equals("api") && parts[1].equals("models") && parts[4].equals("revision")) {
                Repo repo = authorized(exchange, parts[2] + "/" + parts[3]);
                if (repo == null || !knownRevision(exchange, parts.length > 5 ? parts[5] : "")) {
                    return;
                }
                StringBuilder json = new StringBuilder("{\"id\":\"" + repo.id() + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                int i = 0;
                for (String name : repo.files().keySet()) {
                    json.append(i++ > 0 ? "," : "").append("{\"rfilename\":\"").append(name).append("\"}");
                }
                json.append("]}");
                send(exchange, 200, json.toString());
                return;
            }
            if (parts.length >= 5 && parts[2].equals("resolve")) {
                Repo repo = authorized(exchange, parts[0] + "/" + parts[1]);
                if (repo == null || !knownRevision(exchange, parts[3])) {
                    return;
                }
                String name = String.join("/", java.util.Arrays.copyOfRange(parts, 4, parts.length));
                RepoFile file = repo.files().get(name);
                if (file == null) {
                    exchange.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                    send(exchange, 404, "Entry not found");
                    return;
                }
                var headers = exchange.getResponseHeaders();
                headers.set("X-Repo-Commit", COMMIT);
                if (file.lfs()) {
                    headers.set("X-Linked-Size", Long.toString(file.size()));
                    headers.set("X-Linked-Etag", "\"" + file.etag() + "\"");
                    headers.set("ETag", "\"some-pointer-etag\"");
                    headers.set("Location", cdnBase() + "/cdn/" + repo.id() + "/" + file.etag() + "?name=" + name);
                    exchange.sendResponseHeaders(302, -1);
                    return;
                }
                headers.set("ETag", "\"" + file.etag() + "\"");
                serveFile(exchange, repo, file);
                return;
            }
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(exchange, 404, "Repository not found");
        }
    }

    // The CDN is a bare HTTP/1.1 server on a socket (one request per connection), so that a cut
    // body really drops the connection mid-transfer.
    private void acceptCdn() {
        while (!cdn.isClosed()) {
            try {
                Socket socket = cdn.accept();
                Thread.ofVirtual().start(() -> serveCdn(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveCdn(Socket socket) {
        try (socket) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            String[] requestLine = in.readLine().split(" ");
            Map<String, String> headers = new HashMap<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            String method = requestLine[0];
            URI uri = URI.create(requestLine[1]);
            requests.add(new Request("cdn", method, uri.getPath(), headers.get("range"), headers.get("authorization")));
            String query = uri.getQuery();
            String name = query != null && query.startsWith("name=") ? query.substring(5) : "";
            OutputStream out = socket.getOutputStream();
            for (Repo repo : repos.values()) {
                RepoFile file = repo.files().get(name);
                if (file != null && uri.getPath().equals("/cdn/" + repo.id() + "/" + file.etag())) {
                    serveCdnFile(out, method, headers.get("range"), file);
                    return;
                }
            }
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException e) {
            // the client went away, or a cut
        }
    }

    private void serveCdnFile(OutputStream out, String method, String range, RepoFile file) throws IOException {
        long start = range != null && range.startsWith("bytes=") && range.endsWith("-")
                ? Long.parseLong(range.substring(6, range.length() - 1)) : 0;
        String head;
        if (start >= file.size() && start > 0) {
            out.write(("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" + file.size()
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return;
        }
        long length = file.size() - start;
        head = (start > 0 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + start + "-" + (file.size() - 1)
                + "/" + file.size() + "\r\n" : "HTTP/1.1 200 OK\r\n")
                + "Content-Length: " + length + "\r\nAccept-Ranges: bytes\r\nETag: \"cdn-" + file.etag().substring(0, 8)
                + "\"\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (method.equals("HEAD")) {
            return;
        }
        writeBody(out, file, start, length);
    }

    // Writes the body with the armed faults; a cut returns early and the caller closes the socket.
    private void writeBody(OutputStream out, RepoFile file, long start, long length) throws IOException {
        Long cut = cutAfter.remove(file.name());
        boolean flip = corrupt.remove(file.name());
        long limit = cut == null ? length : Math.min(length, cut);
        try (InputStream in = Files.newInputStream(file.source())) {
            in.skipNBytes(start);
            byte[] buffer = new byte[1 << 16];
            long sent = 0;
            while (sent < limit) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - sent));
                if (flip && sent == 0 && n > 0) {
                    buffer[n / 2] ^= 0x5A;
                }
                out.write(buffer, 0, n);
                sent += n;
            }
            out.flush();
        }
    }

    private void record(HttpExchange exchange, String server, String path) {
        var h = exchange.getRequestHeaders();
        requests.add(new Request(server, exchange.getRequestMethod(), path, h.getFirst("Range"), h.getFirst("Authorization")));
    }

    private Repo authorized(HttpExchange exchange, String repoId) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(exchange, 404, "Repository not found");
            return null;
        }
        if (repo.token() != null) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("Bearer ")) {
                exchange.getResponseHeaders().set("X-Error-Code", "GatedRepo");
                send(exchange, 401, "Access to model " + repoId + " is restricted. You must be authenticated.");
                return null;
            }
            if (!auth.equals("Bearer " + repo.token())) {
                exchange.getResponseHeaders().set("X-Error-Code", "GatedRepo");
                send(exchange, 403, "Access to model " + repoId + " is restricted and you are not in the authorized list.");
                return null;
            }
        }
        return repo;
    }

    private static boolean knownRevision(HttpExchange exchange, String revision) throws IOException {
        if (revision.equals("main") || revision.equals(COMMIT)) {
            return true;
        }
        exchange.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
        send(exchange, 404, "Invalid rev id: " + revision);
        return false;
    }

    // 200 or 206 (Range: bytes=N-), with the armed faults.
    private void serveFile(HttpExchange exchange, Repo repo, RepoFile file) throws IOException {
        long start = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        int status = 200;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            start = Long.parseLong(range.substring(6, range.length() - 1));
            if (start >= file.size()) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + file.size());
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            exchange.getResponseHeaders().set("Content-Range",
                    "bytes " + start + "-" + (file.size() - 1) + "/" + file.size());
        }
        long length = file.size() - start;
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, length);
        try {
            writeBody(exchange.getResponseBody(), file, start, length);
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "text/plain");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256", null);
    }

    static String gitSha1(Path file) throws IOException {
        return digest(file, "SHA-1", ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static String digest(Path file, String algorithm, byte[] prefix) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            if (prefix != null) {
                digest.update(prefix);
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 20];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Requests of one server and method. */
    List<Request> requests(String server, String method) {
        List<Request> out = new ArrayList<>();
        for (Request r : requests) {
            if (r.server().equals(server) && r.method().equals(method)) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void close() {
        hub.stop(0);
        try {
            cdn.close();
        } catch (IOException e) {
            // closing
        }
    }
}
