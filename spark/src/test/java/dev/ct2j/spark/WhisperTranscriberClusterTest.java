package dev.ct2j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.features.NumpyPath;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local-cluster[1,2,1024]}: a standalone master and worker in this JVM, and an executor
 * in a JVM of its own, started the way a real worker starts one (SPARK_HOME/jars on its class
 * path, spark.executor.extraJavaOptions). The executor gets no {@code -Dct2j.native.lib}: it
 * loads the natives the ct2j jar carries. Its lifecycle log must show, from the executor's side,
 * one model load shared by both task slots and one close before the process exited.
 */
class WhisperTranscriberClusterTest {
    private static final Pattern LOG_NAME = Pattern.compile("(.+)-(\\d+)\\.log");

    @TempDir
    Path tmp;

    @Test
    void eachExecutorLoadsTheModelOnceAndClosesItBeforeExit() throws Exception {
        Path sparkHome = sparkHome();
        Path lifecycle = tmp.resolve("lifecycle");
        Path corpus = SparkTestSupport.corpus(tmp.resolve("corpus"));
        long self = ProcessHandle.current().pid();

        WhisperTranscriber stage = new WhisperTranscriber().setModel(TestSupport.modelDir().toString()).setBeamSize(1);
        SparkSession.Builder builder = SparkSession.builder();
        // The executor loads the model as it starts (in the plugin's init), and its tasks must find
        // that one: still exactly one load in its log.
        stage.preloadConf().forEach(builder::config);
        SparkSession spark = builder
                .master("local-cluster[1,2,1024]")
                .appName("ct2j-spark-cluster-test")
                .config("spark.ui.enabled", "false")
                .config("spark.home", sparkHome.toString())
                .config("spark.executor.cores", "2")
                .config("spark.executor.memory", "1g")
                .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED -Xss4m")
                // This project's classes are a directory here, not yet a jar; everything else the
                // executor needs (Spark, ct2j with its natives) is in SPARK_HOME/jars.
                .config("spark.executor.extraClassPath", classesDir())
                .config("spark.executorEnv.MALLOC_ARENA_MAX", "2")
                // Spark sets OMP_NUM_THREADS=spark.task.cpus (1) on executors; numpy's OpenBLAS, and so
                // ct2j's features, then split the mel matmul for one thread, not for this JVM's count.
                .config("spark.executorEnv.OMP_NUM_THREADS", String.valueOf(NumpyPath.detected().blasThreads()))
                .config("spark.plugins", Ct2jSparkPlugin.class.getName())
                .config(ExecutorModels.LIFECYCLE_LOG, lifecycle.toString())
                .config("spark.sql.files.openCostInBytes", "1g")
                .getOrCreate();
        List<String> names = List.of("jfk.flac", "hotwords.mp3", "stereo_diarization.wav", SparkTestSupport.CORRUPT);
        List<Row> rows;
        ModelOptions executorOptions;
        try {
            Dataset<Row> files = spark.read().format("binaryFile").load(
                    names.stream().map(n -> corpus.resolve(n).toString()).toArray(String[]::new));
            rows = stage.transform(files).drop("content").collectAsList();
            // What the executor derives (spark.executor.cores 2, spark.task.cpus 1).
            executorOptions = stage.modelOptions(spark.sparkContext().getConf(), "1");
        } finally {
            spark.stop();
        }

        // The executor's rows equal this JVM's library results (natives from the build, not the jar).
        Map<String, SparkTestSupport.Expected> expected = SparkTestSupport.library(corpus, names, executorOptions,
                stage.transcriptionOptions());
        assertEquals(names.size(), rows.size());
        for (Row row : rows) {
            String name = SparkTestSupport.fileName(row);
            SparkTestSupport.assertRowMatches(expected.get(name), row, name);
        }

        List<Path> logs;
        try (Stream<Path> s = Files.list(lifecycle)) {
            logs = s.filter(p -> !p.getFileName().toString().startsWith("driver-")).toList();
        }
        assertFalse(logs.isEmpty(), "no executor wrote a lifecycle log in " + lifecycle);
        for (Path log : logs) {
            Matcher m = LOG_NAME.matcher(log.getFileName().toString());
            assertTrue(m.matches(), log.toString());
            long pid = Long.parseLong(m.group(2));
            assertNotEquals(self, pid, "the executor ran in the test's JVM");
            // The worker stops the executor asynchronously after spark.stop(); wait for the
            // process itself to end, then its log is complete.
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(120, TimeUnit.SECONDS).join());
            List<String> lines = Files.readAllLines(log);
            String all = String.join("\n", lines);
            System.out.println("executor lifecycle log " + log.getFileName() + ":\n" + all);
            assertEquals(1, count(lines, " plugin-init "), all);
            assertEquals(1, count(lines, " preload model="), all);
            assertEquals(0, count(lines, " preload-failed "), all);
            assertEquals(1, count(lines, " load model="), all);
            assertTrue(lines.stream().anyMatch(l -> l.contains(" load model=") && l.contains(" inter_threads=2 ")),
                    "one model serves both task slots: " + all);
            assertEquals(1, count(lines, " close model="), all);
            assertEquals(1, count(lines, " closed via="), all);
            assertTrue(index(lines, " load model=") < index(lines, " close model="), all);
        }
    }

    private static long count(List<String> lines, String what) {
        return lines.stream().filter(l -> l.contains(what)).count();
    }

    private static int index(List<String> lines, String what) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(what)) {
                return i;
            }
        }
        return -1;
    }

    private static String classesDir() {
        return Path.of(WhisperTranscriber.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .toString();
    }

    /**
     * A SPARK_HOME whose jars/ links every jar of this test's class path: what a Spark
     * distribution's jars/ is, plus ct2j and picocli. The worker builds the executor's class path
     * from it. SPARK_HOME (the environment variable the worker reads) points here via surefire.
     */
    private static Path sparkHome() throws Exception {
        Path home = Path.of(System.getenv().getOrDefault("SPARK_HOME", ""));
        assertTrue(home.isAbsolute(), "SPARK_HOME must be set to an absolute folder for the test (surefire sets it)");
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        List<String> missing = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (!entry.endsWith(".jar") || jar.getFileName().toString().startsWith("surefire")) {
                continue;
            }
            if (!Files.isRegularFile(jar)) {
                missing.add(entry);
                continue;
            }
            Path link = jars.resolve(jar.getFileName());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
        assertTrue(missing.isEmpty(), "class path jars missing: " + missing);
        return home;
    }
}
