package dev.ct2j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.transcribe.TranscriptionOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit main: arguments, the JSON it writes, and its exit codes. */
class SparkTranscribeTest {
    @TempDir
    Path tmp;

    @Test
    void writesOneJsonRowPerFileEqualToTheLibrary() throws Exception {
        Path corpus = SparkTestSupport.corpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("out");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = SparkTranscribe.run(corpus.resolve("{jfk.flac," + SparkTestSupport.CORRUPT + "}").toString(),
                    out.toString(), "--format", "json", "--master", "local[2]", "--model",
                    TestSupport.modelDir().toString(), "--beam-size", "1", "--conf", "spark.ui.enabled=false");
        } finally {
            System.setErr(err);
        }
        String stderr = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, stderr);
        assertTrue(stderr.contains("spark-transcribe: 2 rows in " + out + " (json), 1 with an error"), stderr);

        List<StructField> fields = new ArrayList<>(List.of(
                DataTypes.createStructField("path", DataTypes.StringType, true),
                DataTypes.createStructField("length", DataTypes.LongType, true)));
        fields.addAll(TranscriptionRows.OUTPUT_FIELDS);
        List<Row> rows;
        try (SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate()) {
            rows = spark.read().schema(new StructType(fields.toArray(StructField[]::new))).json(out.toString()).collectAsList();
        }
        assertEquals(2, rows.size());
        var modelOptions = new WhisperTranscriber().modelOptions(new org.apache.spark.SparkConf().setMaster("local[2]"), "driver");
        Map<String, SparkTestSupport.Expected> expected = SparkTestSupport.library(corpus,
                List.of("jfk.flac", SparkTestSupport.CORRUPT), modelOptions, TranscriptionOptions.builder().beamSize(1).build());
        for (Row row : rows) {
            String name = SparkTestSupport.fileName(row);
            SparkTestSupport.assertRowMatches(expected.get(name), row, name + " (json)");
        }
    }

    @Test
    void badArgumentsExitWithTwoBeforeSparkStarts() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, SparkTranscribe.run("in", tmp.resolve("o1").toString(), "--format", "csv"));
            assertEquals(2, SparkTranscribe.run("in", tmp.resolve("o2").toString(), "--options", "{\"beam_sise\": 1}"));
            assertEquals(2, SparkTranscribe.run("in"));
        } finally {
            System.setErr(err);
        }
        String stderr = captured.toString(StandardCharsets.UTF_8);
        assertTrue(stderr.contains("spark-transcribe: error: --format must be parquet or json"), stderr);
        assertTrue(stderr.contains("unknown option 'beam_sise'"), stderr);
    }
}
