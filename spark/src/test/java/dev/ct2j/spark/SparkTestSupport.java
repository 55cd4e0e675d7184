package dev.ct2j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import dev.ct2j.transcribe.Word;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** The corpus the Spark tests run on, and the library's own answers for it. */
final class SparkTestSupport {
    /** The shared audio files (every one the shared folder has, except the VAD model). */
    static final List<String> AUDIO = List.of("jfk.flac", "hotwords.mp3", "multilingual.mp3", "stereo_diarization.wav");
    static final String CORRUPT = "corrupt.mp3";

    private SparkTestSupport() {}

    /** A folder with copies of the shared audio plus one file that is not audio. */
    static Path corpus(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : AUDIO) {
            Files.copy(TestSupport.data(name), dir.resolve(name));
        }
        // An MP3 name on text bytes: FFmpeg probes the content, finds no audio stream, and the
        // library throws AudioDecodeException, the error a real corrupt upload gives.
        Files.writeString(dir.resolve(CORRUPT), "this is not an mp3 file\n".repeat(200), StandardCharsets.US_ASCII);
        return dir;
    }

    /** What the library itself gives for each file: the result, or the error message. */
    record Expected(String language, double languageProbability, double duration, List<Segment> segments, String error) {}

    static Map<String, Expected> library(Path corpus, List<String> names, ModelOptions modelOptions,
                                        TranscriptionOptions options) {
        Map<String, Expected> expected = new java.util.concurrent.ConcurrentHashMap<>();
        try (WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), modelOptions)) {
            // As many files at once as the model has replicas (what the Spark side does too); the
            // results do not depend on it, and the test takes half the time.
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(modelOptions.interThreads())) {
                for (String name : names) {
                    pool.submit(() -> expected.put(name, transcribe(model, corpus.resolve(name), options)));
                }
            }
        }
        Map<String, Expected> ordered = new LinkedHashMap<>();
        for (String name : names) {
            ordered.put(name, java.util.Objects.requireNonNull(expected.get(name), name));
        }
        return ordered;
    }

    private static Expected transcribe(WhisperModel model, Path file, TranscriptionOptions options) {
        try (Transcription t = model.transcribe(file, options)) {
            List<Segment> segments = t.toList();
            return new Expected(t.info().language(), t.info().languageProbability(), t.info().duration(), segments, null);
        } catch (RuntimeException e) {
            return new Expected(null, 0, 0, null, TranscribePartition.message(e));
        }
    }

    static List<String> names() {
        var all = new java.util.ArrayList<>(AUDIO);
        all.add(CORRUPT);
        return all;
    }

    static String fileName(Row row) {
        String path = row.getAs("path");
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A row of the transcriber's output against the library's result, field for field. */
    static void assertRowMatches(Expected expected, Row row, String name) {
        if (expected.error() != null) {
            assertEquals(expected.error(), row.getAs(TranscriptionRows.ERROR), name + ": error");
            for (String col : List.of(TranscriptionRows.LANGUAGE, TranscriptionRows.LANGUAGE_PROBABILITY,
                    TranscriptionRows.DURATION, TranscriptionRows.SEGMENTS)) {
                assertNull(row.getAs(col), name + ": " + col + " on an error row");
            }
            return;
        }
        assertNull(row.getAs(TranscriptionRows.ERROR), name + ": error");
        assertEquals(expected.language(), row.getAs(TranscriptionRows.LANGUAGE), name + ": language");
        assertEquals(expected.languageProbability(), (double) row.getAs(TranscriptionRows.LANGUAGE_PROBABILITY),
                name + ": language_probability");
        assertEquals(expected.duration(), (double) row.getAs(TranscriptionRows.DURATION), name + ": duration");
        List<Row> segments = row.getList(row.fieldIndex(TranscriptionRows.SEGMENTS));
        assertEquals(expected.segments().size(), segments.size(), name + ": segment count");
        for (int i = 0; i < segments.size(); i++) {
            Segment s = expected.segments().get(i);
            Row r = segments.get(i);
            String at = name + " segment " + i + ": ";
            assertEquals(s.id(), (int) r.getAs("id"), at + "id");
            assertEquals(s.seek(), (int) r.getAs("seek"), at + "seek");
            assertEquals(s.start(), (double) r.getAs("start"), at + "start");
            assertEquals(s.end(), (double) r.getAs("end"), at + "end");
            assertEquals(s.text(), r.getAs("text"), at + "text");
            assertEquals(s.tokens(), r.getList(r.fieldIndex("tokens")), at + "tokens");
            assertEquals(s.avgLogprob(), (double) r.getAs("avg_logprob"), at + "avg_logprob");
            assertEquals(s.compressionRatio(), (double) r.getAs("compression_ratio"), at + "compression_ratio");
            assertEquals(s.noSpeechProb(), (double) r.getAs("no_speech_prob"), at + "no_speech_prob");
            assertEquals(s.temperature(), r.getAs("temperature"), at + "temperature");
            if (s.words() == null) {
                assertNull(r.getAs("words"), at + "words");
                continue;
            }
            List<Row> words = r.getList(r.fieldIndex("words"));
            assertNotNull(words, at + "words");
            assertEquals(s.words().size(), words.size(), at + "word count");
            for (int j = 0; j < words.size(); j++) {
                Word w = s.words().get(j);
                Row wr = words.get(j);
                assertEquals(w.start(), (double) wr.getAs("start"), at + "word " + j + " start");
                assertEquals(w.end(), (double) wr.getAs("end"), at + "word " + j + " end");
                assertEquals(w.word(), wr.getAs("word"), at + "word " + j);
                assertEquals(w.probability(), (double) wr.getAs("probability"), at + "word " + j + " probability");
            }
        }
    }
}
