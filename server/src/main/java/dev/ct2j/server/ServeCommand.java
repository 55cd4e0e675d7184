package dev.ct2j.server;

import dev.ct2j.natives.NativeShutdown;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code ct2j serve}: the OpenAI-compatible server's command line. */
@Command(name = "ct2j serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "An OpenAI-compatible transcription server (POST /v1/audio/transcriptions, /v1/audio/translations).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host = "127.0.0.1";
    @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = 8000;
    @Option(names = "--model", description = "Model that requests without one (or with whisper-1) get (default: ${DEFAULT-VALUE}).")
    String model = "base";
    @Option(names = "--model-ttl", description = "Seconds a model stays loaded without requests: -1 never, 0 unload after each request (default: ${DEFAULT-VALUE}).")
    long modelTtl = 300;
    @Option(names = "--max-loaded-models", description = "Most models resident at once; the least recently used idle one is closed (default: ${DEFAULT-VALUE}).")
    int maxLoadedModels = 2;
    @Option(names = "--workers", description = "Transcriptions decoded at once (default: min(4, cores)).")
    Integer workers;
    @Option(names = "--cpu-threads", description = "Threads per transcription (default: cores / workers).")
    Integer cpuThreads;
    @Option(names = "--batch-size", description = "1: faster-whisper's sequential transcribe; more: the batched pipeline, this many VAD chunks per engine call, shared between concurrent requests with the same model and options (default: ${DEFAULT-VALUE}).")
    int batchSize = 1;
    @Option(names = "--batch-window-ms", description = "With --batch-size > 1: how long an engine call may wait for other requests' chunks to fill its batch; 0 never waits, yet requests arriving during a call still share the next one (default: ${DEFAULT-VALUE}).")
    long batchWindowMs = 0;
    @Option(names = "--max-queue", description = "Requests that may wait for a worker; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue = 64;
    @Option(names = "--api-key", description = "Bearer token required on /v1 and /api (default: $CT2J_API_KEY; none when unset).")
    String apiKey = System.getenv("CT2J_API_KEY");
    @Option(names = "--device", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device = "cpu";
    @Option(names = "--compute-type", description = "CTranslate2 compute type (default: ${DEFAULT-VALUE}).")
    String computeType = "default";
    @Option(names = "--preload", description = "Load this model at start; /health answers 503 until it is loaded.")
    String preload;
    @Option(names = "--max-upload-mb", description = "Largest upload accepted, in MB; larger gets 413 (default: ${DEFAULT-VALUE}).")
    long maxUploadMb = 100;
    @Option(names = "--request-timeout", description = "Seconds one transcription may take; then 504 (default: ${DEFAULT-VALUE}).")
    long requestTimeout = 600;
    @Option(names = "--shutdown-timeout", description = "Seconds SIGTERM waits for requests in flight before cancelling them (default: ${DEFAULT-VALUE}).")
    long shutdownTimeout = 10;
    @Option(names = "--local-files-only", description = "Never download a model from the Hugging Face Hub.")
    boolean localFilesOnly;

    @Override
    public Integer call() throws Exception {
        ServerConfig.Builder builder = ServerConfig.builder().host(host).port(port).defaultModel(model)
                .modelTtl(Duration.ofSeconds(modelTtl)).maxLoadedModels(maxLoadedModels).batchSize(batchSize)
                .batchWindowMs(batchWindowMs).maxQueue(maxQueue).apiKey(apiKey).device(device)
                .computeType(computeType).preload(preload).maxUploadBytes(maxUploadMb << 20)
                .requestTimeout(Duration.ofSeconds(requestTimeout)).shutdownTimeout(Duration.ofSeconds(shutdownTimeout))
                .allowDownloads(!localFilesOnly);
        int cores = Runtime.getRuntime().availableProcessors();
        int w = workers != null ? workers : Math.min(4, cores);
        builder.workers(w).cpuThreads(cpuThreads != null ? cpuThreads : Math.max(1, cores / w));
        ServerConfig config = builder.build();
        // The library's own shutdown hook refuses new native calls at once; give it our bound for
        // the calls in flight, so that it does not cut the server's graceful stop short.
        System.setProperty(NativeShutdown.TIMEOUT_PROPERTY, Long.toString(config.shutdownTimeout().toMillis() + 2000));
        TranscriptionServer server = TranscriptionServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT drain the server first and exit after: once the JVM exits, the
        // library's shutdown hook refuses native calls, and requests in flight could not finish.
        for (String name : List.of("TERM", "INT")) {
            Signal signal = new Signal(name);
            try {
                Signal.handle(signal, s -> Thread.ofPlatform().name("ct2j-server-drain").start(() -> {
                    server.close();
                    System.exit(128 + s.getNumber());
                }));
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal (-Xrs, or a debugger): the shutdown hook below still closes.
                System.err.println("ct2j serve: cannot handle SIG" + name + " (" + e.getMessage()
                        + "); it stops the server without draining");
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "ct2j-server-shutdown"));
        System.err.println("ct2j serve: listening on http://" + config.host() + ":" + server.port()
                + " (model " + config.defaultModel() + ")");
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        // A later option wins, so that scripts can append to a base command line.
        int code = new CommandLine(new ServeCommand()).setOverwrittenOptionsAllowed(true).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
