package dev.ct2j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.TranscriptionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformer in {@code local[2]}: two task threads in this JVM share one model. Its rows
 * must equal the library's results on the same files with the same options, field for field,
 * and the corrupt file must come back as an error row, not a failed job.
 */
class WhisperTranscriberLocalTest {
    @TempDir
    static Path tmp;

    static SparkSession spark;
    static Path corpus;
    static Path lifecycle;

    @BeforeAll
    static void start() throws Exception {
        corpus = SparkTestSupport.corpus(tmp.resolve("corpus"));
        lifecycle = tmp.resolve("lifecycle");
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("ct2j-spark-local-test")
                .config("spark.ui.enabled", "false")
                .config("spark.plugins", Ct2jSparkPlugin.class.getName())
                .config(ExecutorModels.LIFECYCLE_LOG, lifecycle.toString())
                // One file per partition (each file "costs" more than a partition holds), so both
                // task slots work; maxPartitionBytes=1 would do it too but cut Parquet into bytes.
                .config("spark.sql.files.openCostInBytes", "1g")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    // Greedy decoding keeps the minute of multilingual audio affordable in CI; the comparison is
    // as strict as with beams, since both sides run the same decoder.
    static WhisperTranscriber transcriber() {
        return new WhisperTranscriber()
                .setModel(TestSupport.modelDir().toString())
                .setBeamSize(1)
                .setWordTimestamps(true);
    }

    @Test
    void rowsEqualTheLibrarysResultsAndParquetReadsBackTheSame() throws Exception {
        WhisperTranscriber stage = transcriber();
        Dataset<Row> files = spark.read().format("binaryFile").load(corpus.toString());
        Dataset<Row> out = stage.transform(files).drop("content").persist();
        List<Row> rows = out.collectAsList();
        assertEquals(SparkTestSupport.names().size(), rows.size());

        // The library directly, with the options and the model options an executor of local[2]
        // derives (inter_threads 2 for the two slots, intra_threads 1 = spark.task.cpus).
        ModelOptions modelOptions = stage.modelOptions(spark.sparkContext().getConf(), "driver");
        assertEquals(2, modelOptions.interThreads());
        assertEquals(1, modelOptions.intraThreads());
        TranscriptionOptions options = TranscriptionOptions.builder().beamSize(1).wordTimestamps(true).build();
        assertEquals(options, stage.transcriptionOptions());
        Map<String, SparkTestSupport.Expected> expected = SparkTestSupport.library(corpus, SparkTestSupport.names(), modelOptions, options);

        Map<String, Row> byName = new HashMap<>();
        for (Row row : rows) {
            byName.put(SparkTestSupport.fileName(row), row);
        }
        assertEquals(expected.keySet(), byName.keySet());
        for (String name : expected.keySet()) {
            SparkTestSupport.assertRowMatches(expected.get(name), byName.get(name), name);
        }
        assertTrue(byName.get(SparkTestSupport.CORRUPT).<String>getAs("error").startsWith("AudioDecodeException"),
                "the corrupt file's error names the decoder: " + byName.get(SparkTestSupport.CORRUPT));

        // (c) Parquet: written from the same rows, read back, equal to the library field for field.
        Path parquet = tmp.resolve("out.parquet");
        out.write().parquet(parquet.toString());
        List<Row> back = spark.read().parquet(parquet.toString()).collectAsList();
        assertEquals(rows.size(), back.size());
        for (Row row : back) {
            String name = SparkTestSupport.fileName(row);
            SparkTestSupport.assertRowMatches(expected.get(name), row, name + " (parquet)");
        }
        // Parquet reads every column back as nullable; names and types must be the same.
        assertEquals(out.schema().catalogString(), spark.read().parquet(parquet.toString()).schema().catalogString());
        out.unpersist();

        // One model in this JVM, loaded once by the first of the two task threads.
        assertEquals(1, ExecutorModels.loadedModels());
        List<String> log = Files.readAllLines(Files.list(lifecycle).findFirst().orElseThrow());
        assertEquals(1, log.stream().filter(l -> l.contains(" load model=")).count(), String.join("\n", log));
    }

    @Test
    void pathColumnsWorkAndFailOnErrorFailsTheJob() {
        Dataset<Row> paths = spark.createDataset(
                List.of(corpus.resolve("jfk.flac").toString(), corpus.resolve(SparkTestSupport.CORRUPT).toUri().toString()),
                org.apache.spark.sql.Encoders.STRING()).toDF("audio");
        WhisperTranscriber stage = transcriber().setInputCol("audio").setWordTimestamps(false);
        List<Row> rows = stage.transform(paths).collectAsList();
        assertEquals("en", rows.get(0).getAs("language"));
        assertTrue(rows.get(0).<String>getAs("error") == null, String.valueOf(rows.get(0)));
        assertTrue(rows.get(1).<String>getAs("error").startsWith("AudioDecodeException"), String.valueOf(rows.get(1)));

        var failing = stage.copy(new org.apache.spark.ml.param.ParamMap()).setFailOnError(true);
        Exception e = assertThrows(Exception.class, () -> failing.transform(paths).collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("cannot transcribe"), e.getMessage());
    }

    @Test
    void savesAndLoadsAsAPipelineStage() throws Exception {
        WhisperTranscriber stage = transcriber().setBatchSize(4).setTemperature(0.0, 0.5).setLanguage("en")
                .setCompressionRatioThreshold(Double.NaN).setVadParameters("{\"min_silence_duration_ms\": 500}")
                .setSuppressTokens();
        Path saved = tmp.resolve("stage");
        stage.save(saved.toString());
        WhisperTranscriber loaded = WhisperTranscriber.load(saved.toString());
        assertEquals(stage.uid(), loaded.uid());
        assertEquals(stage.transcriptionOptions(), loaded.transcriptionOptions());
        assertEquals(stage.fasterWhisperKwargs(), loaded.fasterWhisperKwargs());
        assertEquals(4, loaded.getBatchSize());

        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {stage}).fit(
                spark.read().format("binaryFile").load(corpus.resolve("jfk.flac").toString()));
        Path savedPipeline = tmp.resolve("pipeline");
        pipeline.save(savedPipeline.toString());
        WhisperTranscriber inPipeline = (WhisperTranscriber) PipelineModel.load(savedPipeline.toString()).stages()[0];
        assertEquals(stage.fasterWhisperKwargs(), inPipeline.fasterWhisperKwargs());
        // The batched defaults apply under unset params (vad_filter, without_timestamps on).
        assertTrue(inPipeline.transcriptionOptions().vadFilter());
        assertEquals(null, inPipeline.transcriptionOptions().compressionRatioThreshold());
        assertEquals(List.of(), inPipeline.transcriptionOptions().suppressTokens());
    }

    @Test
    void optionsJsonUsesFasterWhispersNames() {
        WhisperTranscriber stage = new WhisperTranscriber().setOptions(
                "{\"beam_size\": 2, \"temperature\": 0.3, \"no_speech_threshold\": null, \"initial_prompt\": \"Hello\"}");
        TranscriptionOptions o = stage.transcriptionOptions();
        assertEquals(2, o.beamSize());
        assertEquals(List.of(0.3), o.temperatures());
        assertEquals(null, o.noSpeechThreshold());
        assertEquals("Hello", o.initialPrompt());
        assertThrows(IllegalArgumentException.class, () -> new WhisperTranscriber().setOptions("{\"beam_sise\": 2}"));
    }
}
