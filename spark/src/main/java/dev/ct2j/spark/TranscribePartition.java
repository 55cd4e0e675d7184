package dev.ct2j.spark;

import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.ModelManager;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import scala.Tuple2;

/**
 * One task's work: rows in, the same rows with the transcription columns appended. The model is
 * acquired on the first row (an empty partition never loads it) and the lease is returned when
 * the task ends, however it ends; the model itself stays loaded in {@link ExecutorModels} for the
 * next task. Rows are produced one at a time as Spark pulls them, so a partition of many files
 * holds one file's audio at a time.
 */
final class TranscribePartition implements MapPartitionsFunction<Row, Row> {
    private final WhisperTranscriber stage;
    private final int inputIndex;
    private final boolean binary;
    private final int pathIndex;

    TranscribePartition(WhisperTranscriber stage, int inputIndex, boolean binary, int pathIndex) {
        this.stage = stage;
        this.inputIndex = inputIndex;
        this.binary = binary;
        this.pathIndex = pathIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private Worker worker;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row in = rows.next();
                if (worker == null) {
                    worker = new Worker();
                }
                Object[] out = worker.transcribe(in);
                Object[] values = new Object[in.length() + out.length];
                for (int i = 0; i < in.length(); i++) {
                    values[i] = in.get(i);
                }
                System.arraycopy(out, 0, values, in.length(), out.length);
                return RowFactory.create(values);
            }
        };
    }

    /** The task's lease on the executor's model, and what it needs per row. */
    private final class Worker {
        private final WhisperModel model;
        private final BatchedInferencePipeline pipeline;
        private final TranscriptionOptions options;
        private final int batchSize;
        private final boolean failOnError;

        Worker() {
            SparkEnv env = SparkEnv.get();
            SparkConf conf = env.conf();
            ModelOptions modelOptions = stage.modelOptions(conf, env.executorId());
            ModelManager.Lease lease = ExecutorModels.acquire(stage.getModel(), modelOptions);
            // Returned at the task's end, also when it fails or is killed, or when a limit() stops
            // reading early: the listener is the only place that sees every ending.
            TaskContext.get().addTaskCompletionListener((TaskCompletionListener) ctx -> lease.close());
            this.model = lease.model();
            this.options = stage.transcriptionOptions();
            this.batchSize = stage.getBatchSize();
            this.pipeline = batchSize > 0 ? new BatchedInferencePipeline(model) : null;
            this.failOnError = stage.getFailOnError();
        }

        Object[] transcribe(Row row) {
            if (row.isNullAt(inputIndex)) {
                return fail(row, new IllegalArgumentException("the input column is null"), null);
            }
            Path temp = null;
            try {
                Path file;
                if (binary) {
                    // The library decodes files (FFmpeg reads by path); the bytes go to a private
                    // temporary file under the executor's java.io.tmpdir, deleted right after.
                    temp = Files.createTempFile("ct2j-spark-", ".audio");
                    Files.write(temp, (byte[]) row.get(inputIndex));
                    file = temp;
                } else {
                    Tuple2<Path, Boolean> local = localFile(row.getString(inputIndex));
                    file = local._1();
                    temp = local._2() ? file : null;
                }
                try (Transcription t = pipeline != null ? pipeline.transcribe(file, options, batchSize)
                        : model.transcribe(file, options)) {
                    List<Segment> segments = t.toList();
                    return TranscriptionRows.success(t.info(), segments);
                }
            } catch (IOException e) {
                return fail(row, new UncheckedIOException(e), temp);
            } catch (RuntimeException e) {
                if (model.isClosed()) {
                    // The executor is shutting down under us: not this file's fault. Failing the
                    // task lets Spark run it again elsewhere instead of recording a false error.
                    throw e;
                }
                return fail(row, e, temp);
            } finally {
                if (temp != null) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException ignored) {
                        // tmpdir cleanup is best effort; the executor's directory goes with it
                    }
                }
            }
        }

        private Object[] fail(Row row, RuntimeException e, Path temp) {
            String message = message(e);
            if (temp != null && pathIndex >= 0) {
                // The decoder names the file it opened, our temporary copy; name the input instead,
                // so the message reads as the library's does for that file.
                message = message.replace(temp.toString(), describe(row));
            }
            if (failOnError) {
                throw new IllegalStateException("ct2j: cannot transcribe " + describe(row) + ": " + message, e);
            }
            return TranscriptionRows.failure(message);
        }
    }

    // The input's name: binaryFile's path column (a file: URI shown as the local path it is).
    private String describe(Row row) {
        if (pathIndex >= 0 && !row.isNullAt(pathIndex)) {
            String path = String.valueOf(row.get(pathIndex));
            if (path.startsWith("file:")) {
                try {
                    return Path.of(URI.create(path)).toString();
                } catch (IllegalArgumentException notAFileUri) {
                    return path;
                }
            }
            return path;
        }
        return binary ? "an input row" : String.valueOf(row.get(inputIndex));
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    // A local path as is; file: URIs as their path; any other scheme (hdfs:, s3a:, ...) copied
    // through Hadoop's FileSystem to a temporary file (second element true: delete it after).
    private static Tuple2<Path, Boolean> localFile(String location) throws IOException {
        URI uri = null;
        try {
            uri = URI.create(location);
        } catch (IllegalArgumentException notAUri) {
            // a plain path with characters a URI does not allow
        }
        if (uri == null || uri.getScheme() == null || uri.getScheme().length() == 1) {
            return new Tuple2<>(Path.of(location), false);
        }
        if (uri.getScheme().equals("file")) {
            return new Tuple2<>(Path.of(uri), false);
        }
        Configuration hadoop = new Configuration();
        for (Tuple2<String, String> kv : SparkEnv.get().conf().getAllWithPrefix("spark.hadoop.")) {
            hadoop.set(kv._1(), kv._2());
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = remote.getFileSystem(hadoop);
        Path temp = Files.createTempFile("ct2j-spark-", ".audio");
        try (InputStream in = fs.open(remote)) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return new Tuple2<>(temp, true);
    }
}
