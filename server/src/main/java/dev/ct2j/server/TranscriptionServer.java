package dev.ct2j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.audio.AudioDecodeException;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelBusyException;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.models.HubOptions;
import dev.ct2j.models.ModelDownloadException;
import dev.ct2j.natives.NativeMemory;
import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.SubtitleOptions;
import dev.ct2j.output.Transcript;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.LifetimeOptions;
import dev.ct2j.transcribe.ModelEventListener;
import dev.ct2j.transcribe.ModelManager;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import dev.ct2j.transcribe.Word;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible transcription server over one {@link ModelManager}. Each request holds a
 * lease on its model for exactly as long as it decodes, so a TTL unload or an explicit DELETE can
 * never pull a model from under a request (speaches #213, LocalAI #5221).
 */
public final class TranscriptionServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ct2j.server");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FORMATS = Set.of("json", "text", "srt", "verbose_json", "vtt");
    // The name OpenAI's clients send by default; it means the server's default model.
    private static final String OPENAI_MODEL = "whisper-1";
    private static final Duration NEVER = Duration.ofDays(36500);

    private final ServerConfig config;
    private final ModelManager models;
    private final Metrics metrics = new Metrics();
    private final CrossRequestBatcher batcher;
    private final Semaphore workers;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final Set<Transcription> inFlight = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final Path uploads;
    private final Javalin app;
    private final long startedEpochSeconds = System.currentTimeMillis() / 1000;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean accepting = true;
    // Set once the shutdown timeout has passed and the requests still in flight are cancelled; a
    // request that finished before then is answered normally.
    private volatile boolean cancelling;
    private volatile boolean loadingDefault;

    private TranscriptionServer(ServerConfig config) throws IOException {
        this.config = config;
        this.workers = new Semaphore(config.workers(), true);
        this.batcher = config.batchSize() > 1
                ? new CrossRequestBatcher(config.batchSize(), config.batchWindowMs(), metrics::batch) : null;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ct2j-server-timers");
            t.setDaemon(true);
            return t;
        });
        this.uploads = Files.createTempDirectory("ct2j-server-uploads");
        ModelOptions modelOptions = ModelOptions.builder().device(Device.of(config.device()))
                .computeType(config.computeType()).interThreads(config.workers())
                .intraThreads(config.cpuThreads()).build();
        HubOptions hub = HubOptions.builder().localFilesOnly(!config.allowDownloads()).build();
        LifetimeOptions lifetime = LifetimeOptions.builder().listener(this::onModelEvent).build();
        Duration ttl = config.modelTtl().isNegative() || config.modelTtl().isZero() ? NEVER : config.modelTtl();
        this.models = new ModelManager(config.maxLoadedModels(), ttl, modelOptions,
                (name, options) -> WhisperModel.load(name, options, lifetime, hub));
        this.app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            // Parts up to the limit are buffered in memory up to 1 MB, then spilled to disk.
            c.jetty.multipartConfig.maxFileSize(config.maxUploadBytes(), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxTotalRequestSize(config.maxUploadBytes() + (1 << 20), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            c.jetty.multipartConfig.cacheDirectory(uploads.toString());
            c.http.maxRequestSize = config.maxUploadBytes() + (1 << 20);
            c.routes.before(this::authorize);
            c.routes.get("/health", this::health);
            c.routes.get("/metrics", this::metrics);
            c.routes.get("/v1/models", this::listModels);
            c.routes.get("/v1/models/<id>", this::getModel);
            c.routes.get("/api/ps", this::listLoaded);
            c.routes.get("/api/ps/<model>", this::getLoaded);
            c.routes.post("/api/ps/<model>", this::load);
            c.routes.delete("/api/ps/<model>", this::unload);
            c.routes.post("/v1/audio/transcriptions", ctx -> audio(ctx, "transcribe"));
            c.routes.post("/v1/audio/translations", ctx -> audio(ctx, "translate"));
            c.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            c.routes.exception(Exception.class, (e, ctx) -> error(ctx, translate(e)));
            c.routes.after(ctx -> metrics.request(route(ctx), ctx.statusCode()));
        });
    }

    /** Starts the server (and the preload, in the background: /health answers 503 until it is done). */
    public static TranscriptionServer start(ServerConfig config) throws IOException {
        TranscriptionServer server = new TranscriptionServer(config);
        if (config.preload() != null) {
            server.loadingDefault = true;
        }
        server.app.start();
        if (config.preload() != null) {
            Thread.ofVirtual().name("ct2j-preload").start(() -> {
                try (var lease = server.models.acquire(server.modelName(config.preload()))) {
                    LOG.log(System.Logger.Level.INFO, "preloaded model {0}", config.preload());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "preloading model " + config.preload() + " failed", e);
                } finally {
                    server.loadingDefault = false;
                }
            });
        }
        return server;
    }

    public int port() {
        return app.port();
    }

    // The route pattern, not the path: model names in paths would make a label per model.
    private static String route(Context ctx) {
        try {
            var matched = ctx.endpoints().matchedHttpEndpoint();
            return matched == null ? "unmatched" : matched.path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    // ---- authentication, health, metrics ------------------------------------------------------

    private void authorize(Context ctx) {
        if (config.apiKey() == null || ctx.path().equals("/health")) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.equals("Bearer " + config.apiKey())) {
            throw new ApiException(401, "invalid_request_error",
                    header == null ? "Missing bearer token in the Authorization header." : "Incorrect API key provided.",
                    null, "invalid_api_key", null);
        }
    }

    private void health(Context ctx) {
        if (loadingDefault) {
            ctx.status(503).result("loading model " + config.preload());
        } else if (!accepting) {
            ctx.status(503).result("shutting down");
        } else {
            ctx.result("OK");
        }
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.render(() -> Math.max(0, admitted.get() - running.get()), running::get,
                        models::loadedModels, !config.device().equalsIgnoreCase("cpu")));
    }

    // ---- models ------------------------------------------------------------------------------

    private String modelName(String requested) {
        if (requested == null || requested.isBlank() || requested.equals(OPENAI_MODEL)) {
            return config.defaultModel();
        }
        return requested;
    }

    private ObjectNode modelObject(String id) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id).put("object", "model").put("created", startedEpochSeconds).put("owned_by", "ct2j");
        return node;
    }

    private Set<String> knownModels() {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(config.defaultModel());
        ids.addAll(models.loadedModels());
        return ids;
    }

    private void listModels(Context ctx) {
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        knownModels().forEach(id -> data.add(modelObject(id)));
        json(ctx, 200, body);
    }

    private void getModel(Context ctx) {
        String id = ctx.pathParam("id");
        if (!knownModels().contains(id) && !id.equals(OPENAI_MODEL) && !Files.isDirectory(Path.of(id))) {
            throw ApiException.notFound("The model '" + id + "' does not exist", "model_not_found");
        }
        json(ctx, 200, modelObject(id));
    }

    private void listLoaded(Context ctx) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("models");
        for (String id : models.loadedModels()) {
            list.add(JSON.createObjectNode().put("id", id).put("holders", models.holders(id)));
        }
        json(ctx, 200, body);
    }

    private void getLoaded(Context ctx) {
        String id = modelName(ctx.pathParam("model"));
        if (!models.loadedModels().contains(id)) {
            throw ApiException.notFound("model '" + id + "' is not loaded", "model_not_loaded");
        }
        json(ctx, 200, JSON.createObjectNode().put("id", id).put("holders", models.holders(id)));
    }

    private void load(Context ctx) {
        String id = modelName(ctx.pathParam("model"));
        if (models.loadedModels().contains(id)) {
            throw ApiException.conflict("model '" + id + "' is already loaded");
        }
        try (var lease = acquire(id)) {
            json(ctx, 201, JSON.createObjectNode().put("id", id).put("loaded", true));
        }
    }

    private void unload(Context ctx) {
        String id = modelName(ctx.pathParam("model"));
        try {
            if (!models.unload(id)) {
                throw ApiException.notFound("model '" + id + "' is not loaded", "model_not_loaded");
            }
        } catch (ModelBusyException e) {
            throw ApiException.conflict("model '" + id + "' is in use and cannot be unloaded: " + e.getMessage());
        }
        ctx.status(204);
    }

    private ModelManager.Lease acquire(String id) {
        try {
            return models.acquire(id);
        } catch (ModelDownloadException e) {
            throw ApiException.notFound("The model '" + id + "' does not exist: " + e.getMessage(), "model_not_found");
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("The model '" + id + "' cannot be loaded: " + e.getMessage(), "model_not_found");
        }
    }

    // Freed pages go back to the system only through glibc's malloc_trim; without it RSS after an
    // unload keeps most of the model (docs/memory.md).
    private void onModelEvent(ModelEventListener.Event event) {
        if (event.kind() == ModelEventListener.Kind.CLOSED || event.kind() == ModelEventListener.Kind.IDLE_UNLOADED) {
            timers.execute(TranscriptionServer::trimMemory);
        }
    }

    // The GC first: what the closed model's Java objects held natively is freed by their cleaners.
    static void trimMemory() {
        System.gc();
        NativeMemory.trim();
    }

    // ---- transcription -----------------------------------------------------------------------

    /** A parsed /v1/audio request. */
    private record AudioRequest(String task, String model, String format, boolean words, boolean segments,
                                boolean stream, TranscriptionOptions options) {}

    private AudioRequest parse(Context ctx, String task) {
        String format = ctx.formParam("response_format");
        format = format == null || format.isBlank() ? "json" : format;
        if (!FORMATS.contains(format)) {
            throw ApiException.badRequest("response_format must be one of json, text, srt, verbose_json, vtt; got '"
                    + format + "'", "response_format");
        }
        List<String> include = new ArrayList<>(ctx.formParams("include[]"));
        include.addAll(ctx.formParams("include"));
        if (!include.isEmpty()) {
            // faster-whisper's segments have an average log probability, not per-token ones.
            throw ApiException.badRequest("include[] (logprobs) is not supported by this server", "include");
        }
        List<String> granularities = new ArrayList<>(ctx.formParams("timestamp_granularities[]"));
        granularities.addAll(ctx.formParams("timestamp_granularities"));
        for (String g : granularities) {
            if (!g.equals("word") && !g.equals("segment")) {
                throw ApiException.badRequest("timestamp_granularities must be word or segment, got '" + g + "'",
                        "timestamp_granularities");
            }
        }
        boolean words = task.equals("transcribe") && granularities.contains("word");
        boolean segments = granularities.isEmpty() || granularities.contains("segment") || !words;
        if (words && !format.equals("verbose_json")) {
            throw ApiException.badRequest("timestamp_granularities[]=word needs response_format=verbose_json",
                    "timestamp_granularities");
        }
        TranscriptionOptions.Builder options = config.batchSize() > 1
                ? BatchedInferencePipeline.defaultOptions() : TranscriptionOptions.builder();
        options.task(task).wordTimestamps(words);
        String language = ctx.formParam("language");
        if (task.equals("transcribe") && language != null && !language.isBlank()) {
            options.language(language.strip().toLowerCase(Locale.ROOT));
        }
        String prompt = ctx.formParam("prompt");
        if (prompt != null && !prompt.isEmpty()) {
            options.initialPrompt(prompt);
        }
        String temperature = ctx.formParam("temperature");
        if (temperature != null && !temperature.isBlank()) {
            double t = parseDouble(temperature, "temperature");
            if (t < 0 || t > 1) {
                throw ApiException.badRequest("temperature must be between 0 and 1", "temperature");
            }
            options.temperature(t);
        }
        String hotwords = ctx.formParam("hotwords");
        if (hotwords != null && !hotwords.isBlank()) {
            options.hotwords(hotwords);
        }
        Boolean vad = parseBoolean(ctx.formParam("vad_filter"), "vad_filter");
        if (vad != null) {
            options.vadFilter(vad);
        }
        Boolean noTimestamps = parseBoolean(ctx.formParam("without_timestamps"), "without_timestamps");
        if (noTimestamps != null) {
            options.withoutTimestamps(noTimestamps);
        }
        Boolean stream = parseBoolean(ctx.formParam("stream"), "stream");
        try {
            return new AudioRequest(task, modelName(ctx.formParam("model")), format, words, segments,
                    Boolean.TRUE.equals(stream), options.build());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), null);
        }
    }

    private static double parseDouble(String value, String param) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(param + " must be a number, got '" + value + "'", param);
        }
    }

    private static Boolean parseBoolean(String value, String param) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiException.badRequest(param + " must be true or false, got '" + value + "'", param);
        };
    }

    private void audio(Context ctx, String task) throws Exception {
        if (!accepting) {
            throw new ApiException(503, "server_error", "the server is shutting down", null, null, null);
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxUploadBytes() + (1 << 20)) {
            throw tooLarge();
        }
        UploadedFile file;
        file = ctx.uploadedFile("file");
        if (file == null) {
            throw ApiException.badRequest("the request has no 'file' part", "file");
        }
        if (file.size() > config.maxUploadBytes()) {
            throw tooLarge();
        }
        AudioRequest request = parse(ctx, task);
        if (admitted.incrementAndGet() > config.workers() + config.maxQueue()) {
            admitted.decrementAndGet();
            throw new ApiException(429, "rate_limit_error", "too many requests in the queue; retry later",
                    null, "queue_full", 1);
        }
        Path audioFile = Files.createTempFile(uploads, "upload", ".audio");
        try {
            try (InputStream in = file.content()) {
                Files.copy(in, audioFile, StandardCopyOption.REPLACE_EXISTING);
            }
            float[] audio;
            try {
                audio = AudioDecoder.decode(audioFile, AudioDecoder.SAMPLE_RATE);
            } catch (AudioDecodeException e) {
                throw ApiException.badRequest("the file could not be decoded as audio: "
                        + e.getMessage().replace(audioFile.toString(), "the upload"), "file");
            }
            Files.deleteIfExists(audioFile);
            workers.acquire();
            running.incrementAndGet();
            try {
                decode(ctx, request, audio);
            } finally {
                running.decrementAndGet();
                workers.release();
            }
        } finally {
            admitted.decrementAndGet();
            Files.deleteIfExists(audioFile);
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", "the upload is larger than the server's limit",
                "file", "file_too_large", null);
    }

    private void decode(Context ctx, AudioRequest request, float[] audio) throws IOException {
        long started = System.nanoTime();
        AtomicBoolean timedOut = new AtomicBoolean();
        try (var lease = acquire(request.model())) {
            WhisperModel model = lease.model();
            Transcription transcription;
            try {
                transcription = batcher != null
                        ? new BatchedInferencePipeline(model, batcher).transcribe(audio, request.options(),
                                config.batchSize())
                        : model.transcribe(audio, request.options());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage(), null);
            }
            inFlight.add(transcription);
            ScheduledFuture<?> timeout = timers.schedule(() -> {
                timedOut.set(true);
                transcription.close();
            }, config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try (transcription) {
                if (batcher == null) {
                    metrics.batch(1, 1); // sequential mode: one 30-second window per engine call
                }
                if (request.stream()) {
                    stream(ctx, transcription, audio.length);
                } else {
                    List<Segment> segments = new ArrayList<>();
                    try {
                        for (Segment segment : transcription) {
                            segments.add(segment);
                        }
                    } catch (IllegalStateException e) {
                        throw interrupted(timedOut.get(), e);
                    }
                    if (timedOut.get() || cancelling) {
                        throw interrupted(timedOut.get(), null);
                    }
                    respond(ctx, request, transcription, segments);
                }
            } finally {
                timeout.cancel(false);
                inFlight.remove(transcription);
            }
        } finally {
            double audioSeconds = audio.length / (double) AudioDecoder.SAMPLE_RATE;
            metrics.transcribed(audioSeconds, (System.nanoTime() - started) / 1e9);
            if (config.modelTtl().isZero()) {
                try {
                    models.unload(request.model());
                } catch (ModelBusyException e) {
                    // Another request holds it now; the last one to finish unloads it.
                }
            }
        }
    }

    private ApiException interrupted(boolean timedOut, RuntimeException cause) {
        if (timedOut) {
            return new ApiException(504, "server_error", "the transcription took longer than the request timeout ("
                    + config.requestTimeout().toSeconds() + " s)", null, "timeout", null);
        }
        if (!accepting) {
            return new ApiException(503, "server_error", "the server is shutting down", null, null, null);
        }
        throw cause;
    }

    private static ObjectNode usage(double durationSeconds) {
        return JSON.createObjectNode().put("type", "duration").put("seconds", (long) Math.ceil(durationSeconds));
    }

    private void stream(Context ctx, Transcription transcription, int samples) throws IOException {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        StringBuilder text = new StringBuilder();
        try {
            for (Segment segment : transcription) {
                text.append(segment.text());
                event(out, JSON.createObjectNode().put("type", "transcript.text.delta").put("delta", segment.text()));
            }
            ObjectNode done = JSON.createObjectNode().put("type", "transcript.text.done")
                    .put("text", text.toString().strip());
            done.set("usage", usage(samples / (double) AudioDecoder.SAMPLE_RATE));
            event(out, done);
        } catch (IOException e) {
            // The client went away: stop decoding for it before the next native step.
            LOG.log(System.Logger.Level.INFO, "client disconnected during a stream; cancelling: {0}", e.toString());
            transcription.close();
        } catch (IllegalStateException e) {
            event(out, JSON.createObjectNode().set("error", JSON.createObjectNode()
                    .put("message", e.getMessage()).put("type", "server_error").putNull("param").putNull("code")));
        }
    }

    private static void event(OutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void respond(Context ctx, AudioRequest request, Transcription transcription, List<Segment> segments)
            throws IOException {
        String language = transcription.info().language();
        Transcript transcript = Transcript.of(segments, language);
        String text = transcript.text().strip();
        double duration = transcription.info().duration();
        switch (request.format()) {
            case "text" -> ctx.contentType("text/plain; charset=utf-8").result(text + "\n");
            case "srt", "vtt" -> {
                StringWriter out = new StringWriter();
                OutputFormat format = request.format().equals("srt") ? OutputFormat.SRT : OutputFormat.VTT;
                format.writer(SubtitleOptions.defaults(), false).write(transcript, out);
                ctx.contentType(format == OutputFormat.SRT ? "application/x-subrip; charset=utf-8"
                        : "text/vtt; charset=utf-8").result(out.toString());
            }
            case "verbose_json" -> {
                ObjectNode body = JSON.createObjectNode();
                body.put("task", request.task()).put("language", Languages.name(language))
                        .put("duration", duration).put("text", text);
                if (request.words()) {
                    ArrayNode words = body.putArray("words");
                    for (Segment segment : segments) {
                        for (Word word : segment.words() == null ? List.<Word>of() : segment.words()) {
                            words.add(JSON.createObjectNode().put("word", word.word()).put("start", word.start())
                                    .put("end", word.end()));
                        }
                    }
                }
                if (request.segments()) {
                    ArrayNode list = body.putArray("segments");
                    for (Segment s : segments) {
                        ObjectNode node = list.addObject().put("id", s.id()).put("seek", s.seek())
                                .put("start", s.start()).put("end", s.end()).put("text", s.text());
                        ArrayNode tokens = node.putArray("tokens");
                        s.tokens().forEach(tokens::add);
                        node.put("temperature", s.temperature() == null ? 0.0 : s.temperature())
                                .put("avg_logprob", s.avgLogprob()).put("compression_ratio", s.compressionRatio())
                                .put("no_speech_prob", s.noSpeechProb());
                    }
                } else {
                    body.putNull("segments");
                }
                body.set("usage", usage(duration));
                json(ctx, 200, body);
            }
            default -> {
                ObjectNode body = JSON.createObjectNode().put("text", text);
                body.set("usage", usage(duration));
                json(ctx, 200, body);
            }
        }
    }

    // ---- errors ------------------------------------------------------------------------------

    private ApiException translate(Exception e) {
        if (e instanceof ApiException api) {
            return api;
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof IllegalStateException && message.contains("shutting down")) {
            return new ApiException(503, "server_error", "the server is shutting down", null, null, null);
        }
        // Jetty reports an upload over the multipart limits as a "bad multipart" 400 wrapping an
        // IllegalStateException; OpenAI's clients expect 413 for it.
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("size exceeded") || m.contains("max length exceeded") || m.contains("too large")) {
                return tooLarge();
            }
        }
        LOG.log(System.Logger.Level.ERROR, "request failed", e);
        return new ApiException(500, "server_error", e.getClass().getSimpleName() + ": " + message, null, null, null);
    }

    private void error(Context ctx, ApiException e) {
        ObjectNode inner = JSON.createObjectNode().put("message", e.getMessage()).put("type", e.type);
        inner.put("param", e.param).put("code", e.code);
        if (e.status == 413) {
            // The unread rest of the upload makes the connection unusable for a next request.
            ctx.header("Connection", "close");
        }
        if (e.retryAfterSeconds != null) {
            ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds));
        }
        json(ctx, e.status, JSON.createObjectNode().set("error", inner));
    }

    private static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- shutdown ----------------------------------------------------------------------------

    /**
     * Stops accepting, lets the requests in flight finish within the shutdown timeout, cancels
     * the rest (each stops before its next native step and answers 503), then closes every model.
     * {@code ct2j serve} calls it from its SIGTERM/SIGINT handler, before the JVM (and with it the
     * library's shutdown hook, which refuses new native calls) begins to exit.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        accepting = false;
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        while (admitted.get() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
        cancelling = true;
        for (Transcription t : inFlight) {
            t.close();
        }
        long grace = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (admitted.get() > 0 && System.nanoTime() < grace) {
            sleep(20);
        }
        app.stop();
        models.close();
        timers.shutdownNow();
        try (var files = Files.list(uploads)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(uploads);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cleaning the upload folder failed", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
