// The library side of benchmarks/spark-vs-library.sh: the same files, the same model options as
// one Spark executor with 2 task slots derives (inter_threads 2, intra_threads 1), transcribed by
// 2 threads over one model. Run as a single-file program:
//   java --enable-native-access=ALL-UNNAMED -cp CLASSPATH benchmarks/SparkVsLibraryBaseline.java MODEL BEAM THREADS FILE...
// Prints one JSON line: load and transcription seconds, total, files, audio seconds, peak RSS.
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class SparkVsLibraryBaseline {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        int beam = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        List<Path> files = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            files.add(Path.of(args[i]));
        }
        TranscriptionOptions options = TranscriptionOptions.builder().beamSize(beam).build();
        ModelOptions modelOptions = ModelOptions.builder().interThreads(threads).intraThreads(1).build();
        long t0 = System.nanoTime();
        double audio = 0;
        long t1;
        try (WhisperModel m = WhisperModel.load(model, modelOptions)) {
            t1 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Double>> results = new ArrayList<>();
            for (Path f : files) {
                results.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    try (Transcription t = m.transcribe(f, options)) {
                        t.toList();
                        // Per file on stderr, to set beside the Spark tasks' times in the driver log.
                        System.err.printf(java.util.Locale.ROOT, "file %s: %d ms%n", f.getFileName(), (System.nanoTime() - start) / 1_000_000);
                        return t.info().duration();
                    }
                }));
            }
            for (Future<Double> r : results) {
                audio += r.get();
            }
            pool.shutdown();
        }
        long t2 = System.nanoTime();
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        System.out.printf(java.util.Locale.ROOT,
                "{\"load_s\":%.2f,\"transcribe_s\":%.2f,\"total_s\":%.2f,\"files\":%d,\"audio_s\":%.1f,\"peak_rss_mb\":%d}%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, files.size(), audio, hwm);
    }
}
