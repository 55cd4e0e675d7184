package dev.ct2j.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spark-transcribe INPUT_GLOB OUTPUT --format parquet|json}: every file the glob matches,
 * transcribed by {@link WhisperTranscriber}, one row per file (path, length, and the transcription
 * columns) written to OUTPUT. Runs under spark-submit (which sets the master) or as a plain JVM
 * ({@code spark/run}; {@code --master} or {@code local[*]}). Files that fail become rows with
 * {@code error} set; the summary on stderr counts them. Exit codes: 0 done, 1 the job failed,
 * 2 bad arguments (as the ct2j CLI).
 */
@Command(name = "spark-transcribe", mixinStandardHelpOptions = true, version = "ct2j-spark 0.1.0",
        description = "Transcribe the audio files matching INPUT_GLOB with Spark and write one row per file to OUTPUT.")
public final class SparkTranscribe implements Callable<Integer> {
    static final int EXIT_BAD_INPUT = 2;

    @Parameters(index = "0", paramLabel = "INPUT_GLOB", description = "files or a glob (any Hadoop file system), e.g. 'data/*.flac'")
    String input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "output directory (Spark writes part files)")
    String output;

    @Option(names = "--format", description = "parquet or json (default: ${DEFAULT-VALUE})", defaultValue = "parquet")
    String format;

    @Option(names = "--mode", description = "errorifexists, overwrite or append (default: ${DEFAULT-VALUE})",
            defaultValue = "errorifexists")
    String mode;

    @Option(names = "--master", description = "Spark master; default: the one spark-submit set, else local[*]")
    String master;

    @Option(names = "--conf", description = "a Spark setting KEY=VALUE (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--model", description = "model size, org/repo, store name or directory (default: ${DEFAULT-VALUE})",
            defaultValue = "base")
    String model;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--compute-type", defaultValue = "default", description = "CTranslate2 compute type (default: ${DEFAULT-VALUE})")
    String computeType;

    @Option(names = "--batch-size", defaultValue = "0", description = "N > 0: the batched pipeline with N chunks per call")
    int batchSize;

    @Option(names = "--cpu-threads", defaultValue = "0", description = "threads per replica; 0: spark.task.cpus")
    int cpuThreads;

    @Option(names = "--num-workers", defaultValue = "0", description = "replicas per executor; 0: its task slots")
    int numWorkers;

    @Option(names = "--language", description = "language code; default: detect")
    String language;

    @Option(names = "--task", description = "transcribe or translate")
    String task;

    @Option(names = "--beam-size", description = "beam size (default: faster-whisper's, 5)")
    Integer beamSize;

    @Option(names = "--word-timestamps", description = "word-level timestamps")
    boolean wordTimestamps;

    @Option(names = "--vad-filter", description = "Silero VAD filter")
    boolean vadFilter;

    @Option(names = "--options", description = "faster-whisper's transcribe arguments as JSON, e.g. '{\"best_of\": 3}'")
    String options;

    @Option(names = "--fail-on-error", description = "fail the job on the first file that cannot be transcribed")
    boolean failOnError;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkTranscribe());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Bad arguments read as the ct2j CLI's do; a failed job names the root cause's class,
            // which is what tells a user whether it was the model, the cluster or a file.
            boolean badInput = e instanceof IllegalArgumentException;
            commandLine.getErr().println("spark-transcribe: error: "
                    + (badInput ? e.getMessage() : TranscribePartition.message(rootCause(e))));
            return badInput ? EXIT_BAD_INPUT : 1;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("spark-transcribe: error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The stage the options describe (validated before any Spark work starts). */
    WhisperTranscriber transcriber() {
        WhisperTranscriber t = new WhisperTranscriber().setModel(model).setDevice(device).setComputeType(computeType)
                .setBatchSize(batchSize).setCpuThreads(cpuThreads).setNumWorkers(numWorkers).setFailOnError(failOnError);
        if (options != null) {
            t.setOptions(options);
        }
        if (language != null) {
            t.setLanguage(language);
        }
        if (task != null) {
            t.setTask(task);
        }
        if (beamSize != null) {
            t.setBeamSize(beamSize);
        }
        if (wordTimestamps) {
            t.setWordTimestamps(true);
        }
        if (vadFilter) {
            t.setVadFilter(true);
        }
        t.transcriptionOptions();
        return t;
    }

    /** The session's settings: the user's, plus what ct2j needs unless the user said otherwise. */
    SparkConf sparkConf() {
        SparkConf c = new SparkConf(); // spark.* system properties: what spark-submit passes
        if (master != null) {
            c.setMaster(master);
        } else if (!c.contains("spark.master")) {
            c.setMaster("local[*]");
        }
        c.setAppName("ct2j spark-transcribe");
        conf.forEach(c::set);
        String plugins = c.get("spark.plugins", "");
        if (!List.of(plugins.split(",")).contains(Ct2jSparkPlugin.class.getName())) {
            c.set("spark.plugins", plugins.isEmpty() ? Ct2jSparkPlugin.class.getName()
                    : plugins + "," + Ct2jSparkPlugin.class.getName());
        }
        // Spark's own launchers pass this to the executors they start; a YARN or Kubernetes
        // executor started from other templates may not, and FFM refuses native calls without it.
        String javaOptions = c.get("spark.executor.extraJavaOptions", "");
        if (!javaOptions.contains("--enable-native-access")) {
            c.set("spark.executor.extraJavaOptions", (javaOptions + " --enable-native-access=ALL-UNNAMED").strip());
        }
        // One file per task unless the user chose otherwise: files take seconds to minutes each,
        // so finer tasks balance the slots better and the per-task cost (milliseconds) is noise.
        // Done through the open cost (each file then fills a partition on its own), not a tiny
        // maxPartitionBytes, which would also cut the Parquet files read back into byte ranges.
        if (!c.contains("spark.sql.files.openCostInBytes")) {
            c.set("spark.sql.files.openCostInBytes", "1g");
        }
        if (!c.contains("spark.executorEnv.MALLOC_ARENA_MAX")) {
            c.set("spark.executorEnv.MALLOC_ARENA_MAX", "2"); // see docs/memory.md
        }
        return c;
    }

    @Override
    public Integer call() {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("parquet") && !fmt.equals("json")) {
            throw new IllegalArgumentException("--format must be parquet or json, got '" + format + "'");
        }
        SaveMode saveMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "errorifexists", "error" -> SaveMode.ErrorIfExists;
            case "overwrite" -> SaveMode.Overwrite;
            case "append" -> SaveMode.Append;
            default -> throw new IllegalArgumentException("--mode must be errorifexists, overwrite or append, got '" + mode + "'");
        };
        WhisperTranscriber stage = transcriber();

        long t0 = System.nanoTime();
        SparkConf sessionConf = sparkConf();
        // Executors load the model as they start, unless the user's conf already says what to preload.
        stage.preloadConf().forEach((key, value) -> {
            if (!sessionConf.contains(key)) {
                sessionConf.set(key, value);
            }
        });
        SparkSession spark = SparkSession.builder().config(sessionConf).getOrCreate();
        long t1 = System.nanoTime();
        try {
            Dataset<Row> files = spark.read().format("binaryFile").load(input);
            Dataset<Row> out = stage.transform(files).drop("content", "modificationTime");
            out.write().mode(saveMode).format(fmt).save(output);
            long t2 = System.nanoTime();
            // Counted from what was written, not by transcribing again.
            Dataset<Row> written = spark.read().format(fmt).load(output);
            long rows = written.count();
            long errors = written.filter(functions.col(TranscriptionRows.ERROR).isNotNull()).count();
            System.err.printf(Locale.ROOT, "spark-transcribe: %d rows in %s (%s), %d with an error; session %.1f s, job %.1f s%n",
                    rows, output, fmt, errors, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            if (errors > 0) {
                List<String> shown = new ArrayList<>();
                for (Row r : written.filter(functions.col(TranscriptionRows.ERROR).isNotNull())
                        .select("path", TranscriptionRows.ERROR).limit(5).collectAsList()) {
                    shown.add(r.getString(0) + ": " + r.getString(1));
                }
                shown.forEach(s -> System.err.println("  " + s));
            }
        } finally {
            spark.stop();
        }
        return 0;
    }
}
