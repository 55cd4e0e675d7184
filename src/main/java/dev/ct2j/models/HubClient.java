package dev.ct2j.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The three Hub calls a snapshot download needs, as huggingface_hub makes them: the repository's
 * revision info ({@code GET /api/models/{repo}/revision/{rev}}), a file's metadata
 * ({@code HEAD /{repo}/resolve/{commit}/{file}}, read from the first response: the Hub redirects
 * LFS files to a CDN and puts {@code X-Linked-Size}/{@code X-Linked-Etag} on the redirect) and
 * the file's bytes (resumed with {@code Range} from a partial file). Redirects are followed here,
 * never by the HTTP client, and the token only goes to the endpoint's own origin.
 */
final class HubClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 10;
    // huggingface_hub gives up after 5 attempts that bring no new bytes.
    private static final int MAX_ATTEMPTS_WITHOUT_PROGRESS = 5;
    private static final int CHUNK = 1 << 16;
    private static final String USER_AGENT = "ct2j/0.1; java/" + Runtime.version().feature();

    record RepoInfo(String sha, List<String> files) {}

    /** A file's metadata: its commit, normalized etag, size (-1 unknown) and where to GET it. */
    record FileMetadata(String commit, String etag, long size, URI location) {}

    /** The Hub answered with an error status. */
    static final class HubHttpException extends IOException {
        final int status;
        final String errorCode;
        final URI url;

        HubHttpException(int status, String errorCode, String serverMessage, URI url) {
            super(status + (errorCode != null ? " " + errorCode : "") + " for " + url
                    + (serverMessage != null ? ": " + serverMessage : ""));
            this.status = status;
            this.errorCode = errorCode;
            this.url = url;
        }
    }

    /** Writing to the local disk failed: not retried as a network error is. */
    static final class LocalWriteException extends IOException {
        final Path path;

        LocalWriteException(Path path, IOException cause) {
            super(cause.getMessage(), cause);
            this.path = path;
        }
    }

    private final HttpClient http;
    private final URI endpoint;
    private final String token;
    private final Duration timeout;

    HubClient(String endpoint, String token, Duration timeout) {
        this.endpoint = URI.create(endpoint + "/");
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout).build();
    }

    URI endpoint() {
        return endpoint;
    }

    RepoInfo repoInfo(String repoId, String revision) throws IOException {
        URI url = endpoint.resolve("api/models/" + repoId + "/revision/" + encodeSegment(revision));
        HttpResponse<byte[]> response = send(request(url).GET(), HttpResponse.BodyHandlers.ofByteArray());
        checkStatus(response);
        JsonNode body = JSON.readTree(response.body());
        String sha = body.path("sha").asText(null);
        if (sha == null || sha.isEmpty()) {
            throw new IOException("the Hub's answer for " + url + " has no commit 'sha'");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode sibling : body.path("siblings")) {
            String name = sibling.path("rfilename").asText(null);
            if (name != null) {
                files.add(name);
            }
        }
        return new RepoInfo(sha, files);
    }

    URI resolveUrl(String repoId, String revision, String file) {
        StringBuilder path = new StringBuilder(repoId).append("/resolve/").append(encodeSegment(revision));
        for (String part : file.split("/")) {
            path.append('/').append(encodeSegment(part));
        }
        return endpoint.resolve(path.toString());
    }

    FileMetadata fileMetadata(String repoId, String commit, String file) throws IOException {
        URI url = resolveUrl(repoId, commit, file);
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpResponse<Void> response = send(request(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity"), HttpResponse.BodyHandlers.discarding());
            HttpHeaders headers = response.headers();
            Optional<String> location = headers.firstValue("Location");
            boolean redirect = response.statusCode() / 100 == 3 && location.isPresent();
            if (!redirect) {
                checkStatus(response);
            }
            URI target = redirect ? url.resolve(location.get()) : url;
            // A redirect that carries the file's metadata (the CDN hop of an LFS file), or leaves the
            // Hub, ends the walk: its headers describe the file. Others (a renamed repo) are followed.
            boolean carriesMetadata = headers.firstValue("X-Linked-Etag").isPresent()
                    || headers.firstValue("X-Linked-Size").isPresent();
            if (redirect && !carriesMetadata && sameOrigin(target, endpoint)) {
                url = target;
                continue;
            }
            String etag = normalizeEtag(headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag"))
                    .orElse(null));
            String commitHash = headers.firstValue("X-Repo-Commit").orElse(null);
            long size = headers.firstValue("X-Linked-Size").map(HubClient::parseLong)
                    .orElse(redirect ? -1L : headers.firstValueAsLong("Content-Length").orElse(-1L));
            if (etag == null || etag.isEmpty()) {
                throw new IOException("the Hub gave no ETag for " + url + "; cannot name or check the file");
            }
            if (commitHash == null) {
                throw new IOException("the Hub's answer for " + url + " lacks the X-Repo-Commit header");
            }
            return new FileMetadata(commitHash, etag, size, target);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects resolving " + url);
    }

    /**
     * Downloads {@code location} into {@code partial}, appending to what a previous attempt left
     * there (HTTP Range), retrying while attempts bring new bytes. Returns the bytes on disk; the
     * caller checks them against the size and hash. A partial file stays for the next try.
     */
    long download(URI location, Path partial, long expectedSize, String file, DownloadProgress progress)
            throws IOException {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        if (expectedSize >= 0 && have > expectedSize) {
            deletePartial(partial);
            have = 0;
        }
        int attemptsWithoutProgress = 0;
        IOException last = null;
        while (expectedSize < 0 || have < expectedSize) {
            long before = have;
            last = null;
            try {
                have = transfer(location, partial, have, expectedSize, file, progress);
                if (expectedSize < 0) {
                    break;
                }
                if (have < expectedSize) {
                    last = new IOException("the connection ended after " + have + " of " + expectedSize + " bytes");
                }
            } catch (HubHttpException | LocalWriteException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                have = Files.exists(partial) ? Files.size(partial) : 0;
            }
            attemptsWithoutProgress = have > before ? 0 : attemptsWithoutProgress + 1;
            if (last != null && attemptsWithoutProgress >= MAX_ATTEMPTS_WITHOUT_PROGRESS) {
                throw new IOException("download of " + location + " stopped at " + have + " of " + expectedSize
                        + " bytes after " + MAX_ATTEMPTS_WITHOUT_PROGRESS + " attempts without progress: "
                        + last.getMessage(), last);
            }
        }
        progress.update(file, have, expectedSize);
        return have;
    }

    // One GET; returns the bytes on disk when its body ends (or throws where it broke off).
    private long transfer(URI location, Path partial, long have, long expectedSize, String file,
                          DownloadProgress progress) throws IOException {
        URI url = location;
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response = null;
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpRequest.Builder request = request(url).GET();
            if (have > 0) {
                request.header("Range", "bytes=" + have + "-");
            }
            response = send(request, HttpResponse.BodyHandlers.ofPublisher());
            Optional<String> next = response.headers().firstValue("Location");
            if (response.statusCode() / 100 == 3 && next.isPresent()) {
                new TimedBody(response.body(), timeout, url).close();
                url = url.resolve(next.get());
                response = null;
                continue;
            }
            break;
        }
        if (response == null) {
            throw new IOException("more than " + MAX_REDIRECTS + " redirects downloading " + location);
        }
        try (TimedBody body = new TimedBody(response.body(), timeout, url)) {
            int status = response.statusCode();
            if (status == 416 && expectedSize >= 0 && have == expectedSize) {
                return have;
            }
            if (status == 416) { // the partial file is longer than the file: start again
                deletePartial(partial);
                return 0;
            }
            checkStatus(response, body);
            boolean append = have > 0 && status == 206;
            if (append) {
                long start = contentRangeStart(response.headers());
                if (start != have) {
                    throw new IOException("asked " + url + " for bytes from " + have + " but got them from " + start);
                }
            } else {
                have = 0; // a 200 answer to a Range request is the whole file
            }
            progress.update(file, have, expectedSize);
            try (FileChannel out = openPartial(partial, append)) {
                byte[] buffer = new byte[CHUNK];
                int n;
                while ((n = body.read(buffer)) > 0) {
                    write(out, partial, ByteBuffer.wrap(buffer, 0, n));
                    have += n;
                    progress.update(file, have, expectedSize);
                }
            }
            return have;
        }
    }

    private static FileChannel openPartial(Path partial, boolean append) throws LocalWriteException {
        try {
            Files.createDirectories(partial.getParent());
            return append
                    ? FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    : FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new LocalWriteException(partial, e);
        }
    }

    private static void write(FileChannel out, Path partial, ByteBuffer data) throws LocalWriteException {
        try {
            while (data.hasRemaining()) {
                out.write(data);
            }
        } catch (IOException e) {
            throw new LocalWriteException(partial, e);
        }
    }

    private static void deletePartial(Path partial) throws LocalWriteException {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            throw new LocalWriteException(partial, e);
        }
    }

    private HttpRequest.Builder request(URI url) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", USER_AGENT);
        if (token != null && sameOrigin(url, endpoint)) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        try {
            return http.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while talking to " + endpoint);
        }
    }

    private static void checkStatus(HttpResponse<?> response) throws IOException {
        checkStatus(response, null);
    }

    private static void checkStatus(HttpResponse<?> response, InputStream body) throws IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        if (body != null) {
            body.close();
        }
        HttpHeaders headers = response.headers();
        throw new HubHttpException(status, headers.firstValue("X-Error-Code").orElse(null),
                headers.firstValue("X-Error-Message").orElse(null), response.uri());
    }

    private static long contentRangeStart(HttpHeaders headers) throws IOException {
        // Content-Range: bytes START-END/TOTAL
        String range = headers.firstValue("Content-Range").orElseThrow(
                () -> new IOException("a 206 answer without Content-Range"));
        String spec = range.strip();
        if (spec.toLowerCase(Locale.ROOT).startsWith("bytes ")) {
            spec = spec.substring(6).strip();
        }
        int dash = spec.indexOf('-');
        if (dash <= 0) {
            throw new IOException("cannot read Content-Range '" + range + "'");
        }
        return parseLong(spec.substring(0, dash));
    }

    /** huggingface_hub's _normalize_etag: drop a weak marker and the quotes. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String s = etag.strip();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String encodeSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        http.close();
    }

    /**
     * A response body read with a timeout per read: HttpClient's own timeout ends at the headers,
     * and a server that stops sending mid-body would otherwise block the download for ever.
     */
    private static final class TimedBody extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {
        private static final Object END = new Object();
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final Duration timeout;
        private final URI url;
        private Flow.Subscription subscription;
        private ByteBuffer current = ByteBuffer.allocate(0);
        private java.util.Iterator<ByteBuffer> pending = java.util.Collections.emptyIterator();
        private boolean done;

        TimedBody(Flow.Publisher<List<ByteBuffer>> publisher, Duration timeout, URI url) {
            this.timeout = timeout;
            this.url = url;
            publisher.subscribe(this);
        }

        @Override public void onSubscribe(Flow.Subscription s) { subscription = s; s.request(1); }
        @Override public void onNext(List<ByteBuffer> item) { queue.add(item); }
        @Override public void onError(Throwable t) { queue.add(t); }
        @Override public void onComplete() { queue.add(END); }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (!current.hasRemaining()) {
                if (pending.hasNext()) {
                    current = pending.next();
                    continue;
                }
                if (done) {
                    return -1;
                }
                Object next;
                try {
                    next = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted reading " + url);
                }
                if (next == null) {
                    close();
                    throw new HttpTimeoutException("no data from " + url + " for " + timeout.toMillis() + " ms");
                }
                if (next instanceof Throwable t) {
                    done = true;
                    throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
                }
                if (next == END) {
                    done = true;
                    return -1;
                }
                @SuppressWarnings("unchecked")
                List<ByteBuffer> buffers = (List<ByteBuffer>) next;
                pending = buffers.iterator();
                subscription.request(1);
            }
            int n = Math.min(len, current.remaining());
            current.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            if (!done) {
                done = true;
                if (subscription != null) {
                    subscription.cancel();
                }
            }
        }
    }
}
