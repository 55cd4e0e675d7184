package dev.ct2j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.models.ModelDownloadException.Kind;
import dev.ct2j.transcribe.LifetimeOptions;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models by faster-whisper's names from a Hub on loopback ({@link FakeHub}): the cache layout
 * huggingface_hub reads, resuming, checksums, auth and offline errors. The base model is copied
 * through the server once, in {@link #downloadBase()}, and loaded once.
 */
@Timeout(180)
class HubDownloadTest {
    private static final String BASE_REPO = "Systran/faster-whisper-base";
    private static final String TINY_REPO = "ct2j-test/tiny";
    private static final String GATED_REPO = "ct2j-test/gated";
    private static final String GOOD_TOKEN = "hf_good_token";

    @TempDir
    static Path shared;

    private static FakeHub hub;
    private static Path baseCache;
    private static Path baseSnapshot;
    private static final Map<String, Long> baseProgress = new ConcurrentHashMap<>();
    private static Path tinyModelBin;

    @BeforeAll
    static void downloadBase() throws IOException {
        hub = new FakeHub();
        Path model = TestSupport.modelDir();
        Map<String, Path> baseFiles = new LinkedHashMap<>();
        for (String name : List.of("config.json", "model.bin", "preprocessor_config.json", "tokenizer.json",
                "vocabulary.json")) {
            baseFiles.put(name, model.resolve(name));
        }
        Path extras = Files.createDirectories(shared.resolve("extras"));
        baseFiles.put("README.md", Files.writeString(extras.resolve("README.md"), "# not a model file\n"));
        baseFiles.put(".gitattributes", Files.writeString(extras.resolve(".gitattributes"), "*.bin filter=lfs\n"));
        hub.addRepo(BASE_REPO, baseFiles, Set.of("model.bin"), null);

        Path tiny = Files.createDirectories(shared.resolve("tiny"));
        byte[] weights = new byte[3_000_000];
        new Random(11).nextBytes(weights);
        tinyModelBin = Files.write(tiny.resolve("model.bin"), weights);
        Map<String, Path> tinyFiles = new LinkedHashMap<>();
        tinyFiles.put("config.json", Files.writeString(tiny.resolve("config.json"), "{\"n_mels\": 80}\n"));
        tinyFiles.put("model.bin", tinyModelBin);
        tinyFiles.put("vocabulary.txt", Files.writeString(tiny.resolve("vocabulary.txt"), "a\nb\n"));
        tinyFiles.put("README.md", Files.writeString(tiny.resolve("README.md"), "tiny\n"));
        hub.addRepo(TINY_REPO, tinyFiles, Set.of("model.bin"), null);
        hub.addRepo(GATED_REPO, tinyFiles, Set.of("model.bin"), GOOD_TOKEN);

        baseCache = shared.resolve("hub-cache");
        Map<String, String> env = env(baseCache);
        baseSnapshot = new ModelResolver(env).resolve("base", HubOptions.builder().endpoint(hub.endpoint())
                .progress((file, done, total) -> baseProgress.merge(file, done, Math::max)).build());
    }

    @AfterEach
    void disarm() {
        hub.clearFaults();
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    // An environment with an empty ct2j store, so that "base" goes to the Hub.
    private static Map<String, String> env(Path hubCache) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("CT2J_MODELS", Files.createDirectories(shared.resolve("empty-store")).toString());
        env.put("HF_HUB_CACHE", hubCache.toString());
        env.put("HF_HOME", Files.createDirectories(shared.resolve("home-" + Integer.toHexString(hubCache.hashCode()))).toString());
        env.put("HF_ENDPOINT", hub.endpoint());
        return env;
    }

    private static String deadEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void sizeNameDownloadsFasterWhisperFilesIntoTheHubCacheLayout() throws IOException {
        Path storage = baseCache.resolve("models--Systran--faster-whisper-base");
        assertEquals(storage.resolve("snapshots").resolve(FakeHub.COMMIT), baseSnapshot);
        assertEquals(FakeHub.COMMIT, Files.readString(storage.resolve("refs/main")));
        Path model = TestSupport.modelDir();
        for (String name : List.of("config.json", "model.bin", "preprocessor_config.json", "tokenizer.json",
                "vocabulary.json")) {
            Path pointer = baseSnapshot.resolve(name);
            assertTrue(Files.isSymbolicLink(pointer), name + " is not a symlink");
            String etag = name.equals("model.bin") ? FakeHub.sha256(model.resolve(name)) : FakeHub.gitSha1(model.resolve(name));
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(pointer), name);
            assertEquals(Files.size(model.resolve(name)), Files.size(pointer), name);
            assertEquals(Files.size(model.resolve(name)), baseProgress.get(name), "progress of " + name);
        }
        assertFalse(Files.exists(baseSnapshot.resolve("README.md")), "README.md is not in faster-whisper's patterns");
        assertFalse(Files.exists(baseSnapshot.resolve(".gitattributes")));
        try (var blobs = Files.list(storage.resolve("blobs"))) {
            assertEquals(5, blobs.filter(p -> !p.toString().endsWith(".incomplete")).count());
        }
    }

    @Test
    void downloadedModelLoadsAndTranscribes() throws IOException {
        hub.clearRequests();
        HubOptions options = HubOptions.builder().endpoint(hub.endpoint()).cacheDir(baseCache).build();
        try (WhisperModel model = WhisperModel.load("base", ModelOptions.defaults(), LifetimeOptions.defaults(), options);
             Transcription result = model.transcribe(TestSupport.data("jfk.flac"), TranscriptionOptions.defaults())) {
            assertEquals(baseSnapshot, model.directory().path());
            StringBuilder text = new StringBuilder();
            for (Segment s : result) {
                text.append(s.text());
            }
            assertTrue(text.toString().contains("ask not what your country can do for you"), text.toString());
        }
        // online it asks for the commit once; every file was already in the snapshot
        assertEquals(1, hub.requests("hub", "GET").size(), hub.requests().toString());
        assertTrue(hub.requests("hub", "HEAD").isEmpty(), hub.requests().toString());
        assertTrue(hub.requests("cdn", "GET").isEmpty());
    }

    @Test
    void pythonHuggingfaceHubAcceptsTheCacheJavaWrote() throws Exception {
        Path python = Path.of(System.getProperty("ct2j.repo", ".")).resolve(".venv/bin/python");
        assertTrue(Files.isExecutable(python), "the project venv is missing: " + python);
        String script = String.join("\n",
                "import sys, huggingface_hub",
                "from faster_whisper.utils import download_model",
                "print(huggingface_hub.snapshot_download(sys.argv[1], cache_dir=sys.argv[2], local_files_only=True,",
                "      allow_patterns=['config.json', 'preprocessor_config.json', 'model.bin', 'tokenizer.json', 'vocabulary.*']))",
                "print(download_model('base', cache_dir=sys.argv[2], local_files_only=True))");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", script, BASE_REPO, baseCache.toString())
                .redirectErrorStream(true);
        pb.environment().put("HF_HUB_OFFLINE", "1");
        pb.environment().put("HF_HOME", shared.resolve("python-home").toString());
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        List<String> lines = output.strip().lines().toList();
        assertEquals(baseSnapshot.toString(), lines.get(lines.size() - 2), output);
        assertEquals(baseSnapshot.toString(), lines.get(lines.size() - 1), output);
    }

    @Test
    void cachedModelResolvesWhenTheHubIsUnreachable() throws IOException {
        Map<String, String> env = env(baseCache);
        env.put("HF_ENDPOINT", deadEndpoint());
        assertEquals(baseSnapshot, new ModelResolver(env).resolve("base"));
        assertEquals(baseSnapshot, new ModelResolver(env).resolve(BASE_REPO));
    }

    @Test
    void offlineModeUsesTheCacheWithoutAnyRequest() throws IOException {
        hub.clearRequests();
        Map<String, String> env = env(baseCache);
        env.put("HF_HUB_OFFLINE", "1");
        assertEquals(baseSnapshot, new ModelResolver(env).resolve("base"));
        assertEquals(baseSnapshot, new ModelResolver(env(baseCache)).resolve("base",
                HubOptions.builder().localFilesOnly(true).build()));
        // a commit hash needs no request even online
        assertEquals(baseSnapshot, new ModelResolver(env(baseCache)).resolve("base",
                HubOptions.builder().revision(FakeHub.COMMIT).build()));
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void offlineWithNothingCachedFailsClearly(@TempDir Path cache) throws IOException {
        hub.clearRequests();
        Map<String, String> env = env(cache);
        env.put("HF_HUB_OFFLINE", "1");
        ModelDownloadException offline = assertThrows(ModelDownloadException.class,
                () -> new ModelResolver(env).resolve("base"));
        assertEquals(Kind.NOT_CACHED, offline.kind());
        assertTrue(offline.getMessage().contains("HF_HUB_OFFLINE") && offline.getMessage().contains(BASE_REPO)
                && offline.getMessage().contains(cache.toString()), offline.getMessage());
        ModelResolver online = new ModelResolver(env(cache));
        ModelDownloadException local = assertThrows(ModelDownloadException.class,
                () -> online.resolve(TINY_REPO, HubOptions.builder().localFilesOnly(true).build()));
        assertEquals(Kind.NOT_CACHED, local.kind());
        assertTrue(local.getMessage().contains("localFilesOnly"), local.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void interruptedTransferResumesWithRange(@TempDir Path cache) throws IOException {
        hub.clearRequests();
        hub.cutNextBodyAfter("model.bin", 1_000_000);
        Path snapshot = new ModelResolver(env(cache)).resolve(TINY_REPO);
        List<FakeHub.Request> gets = hub.requests("cdn", "GET");
        assertEquals(2, gets.size(), gets.toString());
        assertNull(gets.get(0).range());
        assertEquals("bytes=1000000-", gets.get(1).range());
        assertEquals(FakeHub.sha256(tinyModelBin), Checksums.sha256(snapshot.resolve("model.bin")));
        assertFalse(Files.exists(snapshot.resolve("README.md")));
    }

    @Test
    void partialFileLeftByAnEarlierRunIsResumed(@TempDir Path cache) throws IOException {
        String sha = FakeHub.sha256(tinyModelBin);
        Path blobs = Files.createDirectories(cache.resolve("models--ct2j-test--tiny/blobs"));
        byte[] head = new byte[123_456];
        System.arraycopy(Files.readAllBytes(tinyModelBin), 0, head, 0, head.length);
        Files.write(blobs.resolve(sha + ".incomplete"), head);
        hub.clearRequests();
        Map<String, Long> progress = new ConcurrentHashMap<>();
        Path snapshot = new ModelResolver(env(cache)).resolve(TINY_REPO,
                HubOptions.builder().progress((f, done, total) -> progress.merge(f, done, Math::max)).build());
        List<FakeHub.Request> gets = hub.requests("cdn", "GET");
        assertEquals(1, gets.size(), gets.toString());
        assertEquals("bytes=123456-", gets.get(0).range());
        assertEquals(sha, Checksums.sha256(snapshot.resolve("model.bin")));
        assertEquals(Files.size(tinyModelBin), progress.get("model.bin"));
        assertFalse(Files.exists(blobs.resolve(sha + ".incomplete")));
    }

    @Test
    void corruptedBodyIsRejectedAndNeverUsed(@TempDir Path cache) throws IOException {
        hub.corruptNextBody("model.bin");
        ModelResolver resolver = new ModelResolver(env(cache));
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> resolver.resolve(TINY_REPO));
        assertEquals(Kind.CHECKSUM, e.kind());
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains("model.bin")
                && e.getMessage().contains(TINY_REPO), e.getMessage());
        Path storage = cache.resolve("models--ct2j-test--tiny");
        assertFalse(Files.exists(storage.resolve("snapshots/" + FakeHub.COMMIT + "/model.bin")));
        String sha = FakeHub.sha256(tinyModelBin);
        try (var blobs = Files.list(storage.resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.getFileName().toString().startsWith(sha)));
        }
        // a small file (after model.bin, so not yet fetched) checked by its git blob id
        hub.corruptNextBody("vocabulary.txt");
        ModelDownloadException small = assertThrows(ModelDownloadException.class, () -> resolver.resolve(TINY_REPO));
        assertEquals(Kind.CHECKSUM, small.kind());
        assertTrue(small.getMessage().contains("vocabulary.txt") && small.getMessage().contains("git-sha1"), small.getMessage());
        // the next try downloads cleanly
        Path snapshot = resolver.resolve(TINY_REPO);
        assertEquals(FakeHub.sha256(tinyModelBin), Checksums.sha256(snapshot.resolve("model.bin")));
    }

    @Test
    void gatedRepoNeedsAToken(@TempDir Path cache) throws IOException {
        ModelResolver anonymous = new ModelResolver(env(cache));
        ModelDownloadException none = assertThrows(ModelDownloadException.class, () -> anonymous.resolve(GATED_REPO));
        assertEquals(Kind.UNAUTHORIZED, none.kind());
        assertTrue(none.getMessage().contains("401") && none.getMessage().contains(GATED_REPO)
                && none.getMessage().contains("gated") && none.getMessage().contains("HF_TOKEN"), none.getMessage());

        Map<String, String> wrong = env(cache);
        wrong.put("HF_TOKEN", "hf_wrong");
        ModelDownloadException refused = assertThrows(ModelDownloadException.class,
                () -> new ModelResolver(wrong).resolve(GATED_REPO));
        assertEquals(Kind.UNAUTHORIZED, refused.kind());
        assertTrue(refused.getMessage().contains("403") && refused.getMessage().contains("not accepted"), refused.getMessage());

        // the token file $HF_HOME/token, as `hf auth login` writes it
        Map<String, String> withFile = env(cache);
        Files.writeString(Path.of(withFile.get("HF_HOME")).resolve("token"), GOOD_TOKEN + "\n");
        hub.clearRequests();
        Path snapshot = new ModelResolver(withFile).resolve(GATED_REPO);
        assertTrue(Files.isRegularFile(snapshot.resolve("model.bin")));
        assertTrue(hub.requests("hub", "GET").stream().allMatch(r -> ("Bearer " + GOOD_TOKEN).equals(r.authorization())));
        assertTrue(hub.requests("cdn", "GET").stream().allMatch(r -> r.authorization() == null),
                "the token must not leave the Hub: " + hub.requests());
    }

    @Test
    void missingRepoAndRevisionAre404s(@TempDir Path cache) throws IOException {
        ModelResolver resolver = new ModelResolver(env(cache));
        ModelDownloadException repo = assertThrows(ModelDownloadException.class,
                () -> resolver.resolve("ct2j-test/no-such-model"));
        assertEquals(Kind.NOT_FOUND, repo.kind());
        assertTrue(repo.getMessage().contains("404") && repo.getMessage().contains("ct2j-test/no-such-model"),
                repo.getMessage());
        ModelDownloadException revision = assertThrows(ModelDownloadException.class,
                () -> resolver.resolve(TINY_REPO, HubOptions.builder().revision("v9").build()));
        assertEquals(Kind.NOT_FOUND, revision.kind());
        assertTrue(revision.getMessage().contains("revision 'v9'") && revision.getMessage().contains(TINY_REPO),
                revision.getMessage());
    }

    @Test
    void unknownNameListsTheValidNames() throws IOException {
        ModelResolver resolver = new ModelResolver(env(shared.resolve("unused-cache")));
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> resolver.resolve("huge"));
        assertEquals(Kind.UNKNOWN_MODEL, e.kind());
        assertTrue(e.getMessage().contains("'huge'") && e.getMessage().contains("tiny.en")
                && e.getMessage().contains("large-v3-turbo") && e.getMessage().contains("org/name"), e.getMessage());
        ModelDownloadException path = assertThrows(ModelDownloadException.class, () -> resolver.resolve("/no/model/dir"));
        assertEquals(Kind.UNKNOWN_MODEL, path.kind());
        assertTrue(path.getMessage().contains("/no/model/dir"), path.getMessage());
        assertEquals("Systran/faster-distil-whisper-large-v3", ModelResolver.repoIdFor("distil-large-v3").orElseThrow());
        assertEquals(19, ModelResolver.availableModels().size());
    }

    @Test
    void storeNameIsFoundWithoutTheHub(@TempDir Path store) throws IOException {
        Path installed = Files.createDirectories(store.resolve("base"));
        Files.writeString(installed.resolve("model.bin"), "x");
        Map<String, String> env = env(shared.resolve("unused-cache"));
        env.put("CT2J_MODELS", store.toString());
        env.put("HF_ENDPOINT", deadEndpoint());
        assertEquals(installed, new ModelResolver(env).resolve("base"));
        assertEquals(installed.resolve("x").getParent(), new ModelResolver(env).store().model("base").orElseThrow());
    }

    @Test
    void outputDirGetsPlainFilesAndIsNotFetchedTwice(@TempDir Path dir) throws IOException {
        HubOptions options = HubOptions.builder().outputDir(dir).build();
        hub.clearRequests();
        assertEquals(dir, new ModelResolver(env(shared.resolve("unused-cache"))).resolve(TINY_REPO, options));
        for (String name : List.of("config.json", "model.bin", "vocabulary.txt")) {
            assertTrue(Files.isRegularFile(dir.resolve(name)) && !Files.isSymbolicLink(dir.resolve(name)), name);
            String metadata = Files.readString(dir.resolve(".cache/huggingface/download/" + name + ".metadata"));
            assertTrue(metadata.startsWith(FakeHub.COMMIT + "\n"), metadata);
        }
        assertFalse(Files.exists(dir.resolve("README.md")));
        assertEquals(FakeHub.sha256(tinyModelBin), Checksums.sha256(dir.resolve("model.bin")));
        hub.clearRequests();
        assertEquals(dir, new ModelResolver(env(shared.resolve("unused-cache"))).resolve(TINY_REPO, options));
        assertEquals(1, hub.requests().size(), "only the revision call: " + hub.requests());
    }
}
