package dev.ct2j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.ChunkDecoder;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Batching across requests on the real base model: concurrent requests decoded in one shared
 * engine call give each request exactly the segments the batched pipeline gives it alone.
 */
class CrossRequestBatcherTest {
    private static final List<String> FILES = List.of("jfk.flac", "hotwords.mp3", "stereo_diarization.wav",
            "multilingual.mp3");

    private static Path property(String name) {
        String value = System.getProperty(name);
        assertTrue(value != null && !value.isBlank(), "system property " + name + " is not set");
        return Path.of(value);
    }

    private static List<Segment> transcribe(BatchedInferencePipeline pipeline, Path audio, int batchSize) {
        TranscriptionOptions options = BatchedInferencePipeline.defaultOptions().build();
        try (Transcription transcription = pipeline.transcribe(audio, options, batchSize)) {
            List<Segment> segments = new ArrayList<>();
            transcription.forEach(segments::add);
            return segments;
        }
    }

    @Test
    void concurrentRequestsSharingOneEngineCallGetTheirOwnResults() throws Exception {
        Path data = property("ct2j.test.data");
        assertTrue(Files.isRegularFile(property("ct2j.native.lib")), "native library missing: run scripts/setup.sh");
        ModelOptions modelOptions = ModelOptions.builder().computeType("int8").interThreads(FILES.size())
                .intraThreads(1).build();
        try (WhisperModel model = WhisperModel.load(property("ct2j.model.dir").toString(), modelOptions)) {
            // Each file alone, counting its chunks.
            AtomicInteger chunks = new AtomicInteger();
            ChunkDecoder counting = (m, jobs) -> {
                chunks.addAndGet(jobs.size());
                return ChunkDecoder.decodeTogether(m, jobs);
            };
            List<List<Segment>> alone = new ArrayList<>();
            for (String file : FILES) {
                alone.add(transcribe(new BatchedInferencePipeline(model, counting), data.resolve(file), 16));
            }
            int total = chunks.get();
            assertTrue(total >= FILES.size(), "expected at least one chunk per file, got " + total);

            // All files at once: the batch fills only when every request's chunks have arrived, so
            // the one engine call holds them all (the window is a bound that is never reached).
            List<int[]> calls = new CopyOnWriteArrayList<>();
            CrossRequestBatcher batcher = new CrossRequestBatcher(total, 120_000,
                    (size, requests) -> calls.add(new int[] {size, requests}));
            BatchedInferencePipeline shared = new BatchedInferencePipeline(model, batcher);
            List<Future<List<Segment>>> together = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(FILES.size())) {
                for (String file : FILES) {
                    together.add(pool.submit(() -> transcribe(shared, data.resolve(file), total)));
                }
                for (int i = 0; i < FILES.size(); i++) {
                    List<Segment> segments = together.get(i).get();
                    assertTrue(!segments.isEmpty(), FILES.get(i) + ": no segments");
                    assertEquals(alone.get(i), segments, FILES.get(i) + ": the shared batch changed the result");
                }
            }
            assertEquals(1, calls.size(), "engine calls: expected one shared call");
            assertEquals(total, calls.getFirst()[0], "chunks in the shared call");
            assertEquals(FILES.size(), calls.getFirst()[1], "requests in the shared call");

            // Window 0 and a batch smaller than the load: nothing waits, every chunk is decoded once,
            // and the results are still each request's own.
            calls.clear();
            CrossRequestBatcher eager = new CrossRequestBatcher(2, 0,
                    (size, requests) -> calls.add(new int[] {size, requests}));
            BatchedInferencePipeline eagerPipeline = new BatchedInferencePipeline(model, eager);
            try (ExecutorService pool = Executors.newFixedThreadPool(FILES.size())) {
                together.clear();
                for (String file : FILES) {
                    together.add(pool.submit(() -> transcribe(eagerPipeline, data.resolve(file), 2)));
                }
                for (int i = 0; i < FILES.size(); i++) {
                    assertEquals(alone.get(i), together.get(i).get(), FILES.get(i) + ": window 0 changed the result");
                }
            }
            assertEquals(total, calls.stream().mapToInt(c -> c[0]).sum(), "every chunk decoded exactly once");
            assertTrue(calls.stream().allMatch(c -> c[0] <= 2), "a call exceeded the batch size");
        }
    }
}
