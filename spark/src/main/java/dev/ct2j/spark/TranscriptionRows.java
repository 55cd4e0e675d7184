package dev.ct2j.spark;

import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.TranscriptionInfo;
import dev.ct2j.transcribe.Word;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The output columns of {@link WhisperTranscriber} and the conversion of the library's records
 * into them. Field names are faster-whisper's (snake_case), so the columns read like its
 * {@code Segment} and {@code Word} and like the CLI's JSON.
 */
public final class TranscriptionRows {
    public static final String LANGUAGE = "language";
    public static final String LANGUAGE_PROBABILITY = "language_probability";
    public static final String DURATION = "duration";
    public static final String SEGMENTS = "segments";
    public static final String ERROR = "error";

    public static final StructType WORD = new StructType()
            .add("start", DataTypes.DoubleType, false)
            .add("end", DataTypes.DoubleType, false)
            .add("word", DataTypes.StringType, false)
            .add("probability", DataTypes.DoubleType, false);

    public static final StructType SEGMENT = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("seek", DataTypes.IntegerType, false)
            .add("start", DataTypes.DoubleType, false)
            .add("end", DataTypes.DoubleType, false)
            .add("text", DataTypes.StringType, false)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("avg_logprob", DataTypes.DoubleType, false)
            .add("compression_ratio", DataTypes.DoubleType, false)
            .add("no_speech_prob", DataTypes.DoubleType, false)
            // faster-whisper's temperature is None for segments of the batched pipeline.
            .add("temperature", DataTypes.DoubleType, true)
            // null without word_timestamps, as in faster-whisper.
            .add("words", DataTypes.createArrayType(WORD, false), true);

    /** Every output column is nullable: a failed input has only {@code error} set. */
    public static final List<StructField> OUTPUT_FIELDS = List.of(
            DataTypes.createStructField(LANGUAGE, DataTypes.StringType, true),
            DataTypes.createStructField(LANGUAGE_PROBABILITY, DataTypes.DoubleType, true),
            DataTypes.createStructField(DURATION, DataTypes.DoubleType, true),
            DataTypes.createStructField(SEGMENTS, DataTypes.createArrayType(SEGMENT, false), true),
            DataTypes.createStructField(ERROR, DataTypes.StringType, true));

    private TranscriptionRows() {}

    /** The output values of a transcription, in {@link #OUTPUT_FIELDS} order. */
    static Object[] success(TranscriptionInfo info, List<Segment> segments) {
        List<Row> rows = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            rows.add(segment(s));
        }
        return new Object[] {info.language(), info.languageProbability(), info.duration(), seq(rows), null};
    }

    /** The output values of an input that failed: only the error. */
    static Object[] failure(String error) {
        return new Object[] {null, null, null, null, error};
    }

    static Row segment(Segment s) {
        Object words = null;
        if (s.words() != null) {
            List<Row> ws = new ArrayList<>(s.words().size());
            for (Word w : s.words()) {
                ws.add(RowFactory.create(w.start(), w.end(), w.word(), w.probability()));
            }
            words = seq(ws);
        }
        return RowFactory.create(s.id(), s.seek(), s.start(), s.end(), s.text(), seq(s.tokens()), s.avgLogprob(),
                s.compressionRatio(), s.noSpeechProb(), s.temperature(), words);
    }

    // Spark's row encoder takes Scala sequences for array columns (not java.util.List).
    private static <T> Object seq(List<T> values) {
        return CollectionConverters.asScala(values).toSeq();
    }
}
