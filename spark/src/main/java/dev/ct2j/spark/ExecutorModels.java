package dev.ct2j.spark;

import dev.ct2j.engine.ModelOptions;
import dev.ct2j.natives.NativeMemory;
import dev.ct2j.transcribe.LifetimeOptions;
import dev.ct2j.transcribe.ModelEventListener;
import dev.ct2j.transcribe.ModelManager;
import dev.ct2j.transcribe.WhisperModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The models of one JVM (an executor, or the driver in local mode): one {@link ModelManager} per
 * distinct {@link ModelOptions}, created on the first task that needs it and shared by every task
 * thread of the JVM, so N concurrent tasks hold one copy of the weights (served by N CTranslate2
 * replicas' worth of inter_threads, not N models).
 *
 * <p>Closing is done twice over on purpose: the {@link Ct2jSparkPlugin}'s executor shutdown is the
 * orderly path, and a JVM shutdown hook is the backup, because a worker kills the executor process
 * (SIGTERM, then SIGKILL) on its own schedule and the plugin's shutdown can lose that race. Both go
 * through {@link #closeAll(String)}, which closes each model exactly once.
 *
 * <p>With {@code spark.ct2j.lifecycleLog} set to a directory, every load and close is appended to
 * {@code <dir>/<executorId>-<pid>.log}: evidence, from the executor's side, of what it held and
 * when it let go (the multi-JVM test reads it).
 */
public final class ExecutorModels {
    /** Spark conf key: directory for the per-JVM lifecycle log (off when unset). */
    public static final String LIFECYCLE_LOG = "spark.ct2j.lifecycleLog";
    /** Spark conf key: close a model after this long without tasks (default 1h). */
    public static final String IDLE_TIMEOUT = "spark.ct2j.modelIdleTimeout";

    private static final System.Logger LOG = System.getLogger("dev.ct2j.spark");
    private static final Map<ModelOptions, ModelManager> MANAGERS = new LinkedHashMap<>();
    private static Thread shutdownHook;
    private static Path lifecycleLog;

    private ExecutorModels() {}

    /**
     * Holds the model for this task, loading it on first use. The caller closes the lease when its
     * task ends; the model stays loaded for the next task.
     */
    public static ModelManager.Lease acquire(String model, ModelOptions options) {
        ModelManager manager;
        synchronized (ExecutorModels.class) {
            manager = MANAGERS.get(options);
            if (manager == null) {
                SparkEnv env = SparkEnv.get();
                attach(env == null ? null : env.conf(), env == null ? "driver" : env.executorId());
                manager = new ModelManager(1, idleTimeout(), options, ExecutorModels::load);
                MANAGERS.put(options, manager);
            }
        }
        // Outside our lock: the manager serialises loads itself, and a task waiting for the first
        // load of one model must not block a task that wants another.
        return manager.acquire(model);
    }

    /**
     * Registers the shutdown hook (once per JVM) and points the lifecycle log at this
     * application's directory; called by the plugin's init and before the first load.
     */
    static synchronized void attach(SparkConf conf, String executorId) {
        if (shutdownHook == null) {
            shutdownHook = new Thread(() -> closeAll("shutdown-hook"), "ct2j-spark-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        lifecycleLog = conf == null || !conf.contains(LIFECYCLE_LOG) ? null
                : Path.of(conf.get(LIFECYCLE_LOG)).resolve(executorId + "-" + ProcessHandle.current().pid() + ".log");
    }

    /**
     * Starts loading the model {@link WhisperTranscriber#preloadConf()} names, if the conf names
     * one, on a daemon thread; tasks that arrive meanwhile wait for that load (the manager
     * serialises loads) instead of starting their own. A failed preload is only logged: the first
     * task then loads, and reports the error in its rows.
     */
    static void preload(SparkConf conf, String executorId) {
        WhisperTranscriber stage = conf == null ? null : WhisperTranscriber.fromPreloadConf(conf);
        if (stage == null) {
            return;
        }
        String model = stage.getModel();
        ModelOptions options = stage.modelOptions(conf, executorId);
        Thread.ofPlatform().daemon().name("ct2j-spark-preload").start(() -> {
            record("preload model=" + model);
            try (ModelManager.Lease lease = acquire(model, options)) {
                // Loaded; it stays resident for the tasks until the idle timeout.
            } catch (RuntimeException e) {
                record("preload-failed model=" + model + " " + e);
            }
        });
    }

    private static WhisperModel load(String name, ModelOptions options) {
        long start = System.nanoTime();
        ModelEventListener listener = event -> {
            if (event.kind() == ModelEventListener.Kind.CLOSED) {
                record("close model=" + name);
            }
        };
        WhisperModel model = WhisperModel.load(name, options, LifetimeOptions.builder().listener(listener).build());
        record("load model=" + name + " compute_type=" + options.computeType() + " inter_threads="
                + options.interThreads() + " intra_threads=" + options.intraThreads() + " ms="
                + (System.nanoTime() - start) / 1_000_000 + " " + memory());
        return model;
    }

    /**
     * Closes every model of this JVM. Idempotent; later tasks (a new SparkContext in the same JVM,
     * as in local mode) load again. {@code via} names the caller in the lifecycle log.
     */
    public static void closeAll(String via) {
        // One close at a time, whole: the backup hook must wait for the plugin's close in progress
        // (the JVM exits when the hooks return, and would cut that close short), not skip it.
        synchronized (CLOSING) {
            closeAllNow(via);
        }
    }

    private static final Object CLOSING = new Object();

    private static void closeAllNow(String via) {
        List<ModelManager> managers;
        synchronized (ExecutorModels.class) {
            managers = new ArrayList<>(MANAGERS.values());
            MANAGERS.clear();
        }
        if (managers.isEmpty()) {
            return;
        }
        // The peak RSS here is the executor's sizing figure: weights plus the workspace of every
        // task that ran, plus the JVM (docs/spark.md).
        record("close-all via=" + via + " managers=" + managers.size() + " " + memory());
        for (ModelManager manager : managers) {
            try {
                manager.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a model failed", e);
            }
        }
        record("closed via=" + via);
    }

    /** Models loaded in this JVM now (for tests and logs). */
    public static synchronized int loadedModels() {
        int n = 0;
        for (ModelManager manager : MANAGERS.values()) {
            n += manager.loadedModels().size();
        }
        return n;
    }

    // Linux's view of this process: resident now and at its peak (VmRSS, VmHWM), in MB; "?" where
    // it is not Linux (the figure is optional).
    static String memory() {
        return "rss_mb=" + megabytes("VmRSS") + " peak_rss_mb=" + megabytes("VmHWM");
    }

    private static String megabytes(String field) {
        OptionalLong bytes = NativeMemory.processStatusBytes(field);
        return bytes.isPresent() ? String.valueOf(bytes.getAsLong() / (1024 * 1024)) : "?";
    }

    private static Duration idleTimeout() {
        SparkConf conf = conf();
        long seconds = conf == null ? 3600 : conf.getTimeAsSeconds(IDLE_TIMEOUT, "1h");
        return Duration.ofSeconds(Math.max(1, seconds));
    }

    private static SparkConf conf() {
        SparkEnv env = SparkEnv.get();
        return env == null ? null : env.conf();
    }

    /** Appends one line to the lifecycle log (if on) and logs it. */
    static void record(String event) {
        LOG.log(System.Logger.Level.INFO, "ct2j-spark: {0}", event);
        Path file;
        synchronized (ExecutorModels.class) {
            file = lifecycleLog;
        }
        if (file == null) {
            return;
        }
        String line = System.currentTimeMillis() + " pid=" + ProcessHandle.current().pid() + " " + event + "\n";
        try {
            Files.createDirectories(file.getParent());
            // One write per line, appended and forced: the executor can be killed right after.
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ct2j lifecycle log " + file, e);
        }
    }
}
