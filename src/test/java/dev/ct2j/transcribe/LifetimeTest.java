package dev.ct2j.transcribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ct2j.TestSupport;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.BusyPolicy;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelBusyException;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.lifetime.CallGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Model lifetime: close during iteration, leases, busy unloads, idle release, the model manager. */
class LifetimeTest {
    private static final ModelOptions INT8 = ModelOptions.builder().device(Device.CPU).computeType("int8")
            .intraThreads(2).build();
    private static float[] jfk;
    private static float[] multilingual;
    private static WhisperModel shared;
    // What QUICK gives for jfk on this machine's engine (the segment count depends on the CPU's
    // int8 kernels: one on an AMX Xeon, two on an AVX-512 EPYC); exact parity is parity/check's job.
    private static List<Segment> quickJfk;

    /** Fast options: one short window, language given, greedy. */
    private static final TranscriptionOptions QUICK = TranscriptionOptions.builder().language("en").beamSize(1)
            .temperature(0.0).build();

    @BeforeAll
    static void setUp() {
        jfk = AudioDecoder.decode(TestSupport.data("jfk.flac"));
        multilingual = AudioDecoder.decode(TestSupport.data("multilingual.mp3"));
        shared = WhisperModel.load(TestSupport.modelDir().toString(), INT8);
        quickJfk = shared.transcribe(jfk, QUICK).toList();
        assertFalse(quickJfk.isEmpty());
        assertTrue(quickJfk.getFirst().text().contains("ask not what your country"), quickJfk.toString());
    }

    @AfterAll
    static void tearDown() {
        shared.close();
    }

    @Test
    void handleGuardNeverFreesUnderARunningCall() throws Exception {
        // The mechanism behind every native handle, raced many thousands of times.
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 2000; round++) {
                CallGuard guard = new CallGuard("handle " + round);
                AtomicBoolean freed = new AtomicBoolean();
                AtomicInteger violations = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> callers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    callers.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 50; i++) {
                            try {
                                guard.enter();
                            } catch (IllegalStateException closed) {
                                return null;
                            }
                            try {
                                if (freed.get()) {
                                    violations.incrementAndGet();
                                }
                                Thread.onSpinWait();
                            } finally {
                                guard.leave();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                if (guard.closeAndAwait()) {
                    freed.set(true);
                }
                for (Future<?> f : callers) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertEquals(0, violations.get(), "a call ran after the handle was freed (round " + round + ")");
                assertFalse(guard.closeAndAwait(), "close is idempotent");
                assertThrows(IllegalStateException.class, guard::enter);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeDuringIterationThrowsCleanly() throws Exception {
        List<Segment> expected;
        try (Transcription t = shared.transcribe(multilingual, QUICK)) {
            expected = t.toList();
        }
        assertTrue(expected.size() > 2, "needs several windows: " + expected.size());
        for (int round = 0; round < 6; round++) {
            WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), INT8);
            Transcription transcription = model.transcribe(multilingual, QUICK);
            Iterator<Segment> it = transcription.iterator();
            List<Segment> read = new ArrayList<>();
            read.add(it.next());
            Thread closer = new Thread(model::close);
            closer.start();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                while (it.hasNext()) {
                    read.add(it.next());
                }
                if (read.size() < expected.size()) {
                    fail("ended early without an exception");
                }
                // The close came after the whole file was decoded: reading again says so.
                throw new IllegalStateException("closed during iteration (too late to interrupt)");
            });
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            closer.join();
            assertEquals(expected.subList(0, read.size()), read, "segments read before the close are intact");
            assertTrue(model.isClosed());
            assertEquals(0, model.openTranscriptions());
            transcription.close();
        }
    }

    @Test
    void closingATranscriptionStopsItAndReleasesTheModel() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 20; round++) {
                Transcription t = shared.transcribe(multilingual, QUICK);
                assertEquals(1, shared.openTranscriptions());
                Future<Integer> reader = pool.submit(() -> {
                    int n = 0;
                    try {
                        for (Segment ignored : t) {
                            n++;
                        }
                    } catch (IllegalStateException e) { // closed before the end: says so
                        assertTrue(e.getMessage().contains("transcription was closed"), e.getMessage());
                    }
                    return n;
                });
                Thread.sleep(round * 25L);
                t.close();
                reader.get(60, TimeUnit.SECONDS); // ends, possibly early, never silently short
                assertEquals(0, shared.openTranscriptions());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readingAClosedTranscriptionThrows() {
        // Never read: iterator() refuses.
        Transcription unread = shared.transcribe(multilingual, QUICK);
        unread.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, unread::iterator);
        assertTrue(e.getMessage().contains("transcription was closed"), e.getMessage());
        assertEquals(0, shared.openTranscriptions());

        // Closed part way: the next read throws instead of ending as if the audio were done.
        Transcription partial = shared.transcribe(multilingual, QUICK);
        Iterator<Segment> it = partial.iterator();
        it.next();
        partial.close();
        e = assertThrows(IllegalStateException.class, it::hasNext);
        assertTrue(e.getMessage().contains("after 1 segments"), e.getMessage());
        assertThrows(IllegalStateException.class, it::next);

        // Announced by hasNext() before the close: still returned; then the close shows.
        Transcription announced = shared.transcribe(multilingual, QUICK);
        Iterator<Segment> it2 = announced.iterator();
        assertTrue(it2.hasNext());
        announced.close();
        assertTrue(it2.next().text().length() > 0);
        assertThrows(IllegalStateException.class, it2::hasNext);

        // Read to the end, then closed: complete, nothing to report.
        Transcription complete = shared.transcribe(jfk, QUICK);
        Iterator<Segment> all = complete.iterator();
        while (all.hasNext()) {
            all.next();
        }
        complete.close();
        assertFalse(all.hasNext());
    }

    @Test
    void waitForReadersDefersCloseUntilTheTranscriptionIsRead() throws Exception {
        WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), INT8,
                LifetimeOptions.builder().closeBehavior(LifetimeOptions.CloseBehavior.WAIT_FOR_READERS).build());
        Transcription transcription = model.transcribe(jfk, QUICK);
        Thread closer = new Thread(model::close);
        closer.start();
        Thread.sleep(300);
        assertTrue(closer.isAlive(), "close must wait for the open transcription");
        assertFalse(model.isClosed());
        List<Segment> segments = transcription.toList();
        assertEquals(quickJfk, segments);
        closer.join(30_000);
        assertFalse(closer.isAlive());
        assertTrue(model.isClosed());
        assertThrows(IllegalStateException.class, () -> model.transcribe(jfk, QUICK));
    }

    @Test
    void unloadWhileBusyFailsFastOrWaitsByPolicy() throws Exception {
        try (WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), INT8)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                boolean sawBusy = false;
                for (int attempt = 0; attempt < 5 && !sawBusy; attempt++) {
                    Future<List<Segment>> running = pool.submit(() -> model.transcribe(jfk, QUICK).toList());
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (model.engine().activeBatches() == 0 && !running.isDone() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    try {
                        model.unloadModel(true, BusyPolicy.FAIL);
                        model.loadModel(false); // raced past the call: put it back and retry
                    } catch (ModelBusyException e) {
                        sawBusy = true;
                        assertTrue(model.isModelLoaded(), "a refused unload leaves the model loaded");
                    }
                    assertEquals(quickJfk, running.get());
                }
                assertTrue(sawBusy, "never caught the model busy");
                Future<List<Segment>> running = pool.submit(() -> model.transcribe(jfk, QUICK).toList());
                while (model.engine().activeBatches() == 0 && !running.isDone()) {
                    Thread.onSpinWait();
                }
                model.unloadModel(false, BusyPolicy.WAIT); // waits for the call in flight
                assertFalse(model.isModelLoaded());
                running.get(); // the call that was in flight completed normally... or failed cleanly
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof RuntimeException, e.toString());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void idleModelUnloadsAndReloadsTransparently() throws Exception {
        List<ModelEventListener.Kind> events = new CopyOnWriteArrayList<>();
        LifetimeOptions lifetime = LifetimeOptions.builder().unloadAfterIdle(Duration.ofMillis(300), false)
                .listener(e -> events.add(e.kind())).build();
        try (WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), INT8, lifetime)) {
            List<Segment> first = model.transcribe(jfk, QUICK).toList();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!events.contains(ModelEventListener.Kind.IDLE_UNLOADED) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(events.contains(ModelEventListener.Kind.IDLE_UNLOADED), "no idle unload: " + events);
            assertFalse(model.isModelLoaded(), "not unloaded after being idle");
            List<Segment> second = model.transcribe(jfk, QUICK).toList();
            assertEquals(first, second);
            assertTrue(events.contains(ModelEventListener.Kind.RELOADED), events.toString());
        }
        assertTrue(events.contains(ModelEventListener.Kind.CLOSED), events.toString());
    }

    @Test
    void modelManagerSharesEvictsAndExpires() throws Exception {
        String dir = TestSupport.modelDir().toString();
        String alias = TestSupport.modelDir().toAbsolutePath() + "/."; // another name, same files
        try (ModelManager manager = new ModelManager(1, Duration.ofMillis(400), INT8)) {
            ModelManager.Lease a1 = manager.acquire(dir);
            ModelManager.Lease a2 = manager.acquire(dir);
            assertSame(a1.model(), a2.model(), "one model shared by reference count");
            assertEquals(2, manager.holders(dir));
            ModelManager.Lease b = manager.acquire(alias);
            assertNotSame(a1.model(), b.model());
            assertEquals(List.of(dir, alias), manager.loadedModels(), "held models are never evicted");
            WhisperModel first = a1.model();
            a1.close();
            a2.close();
            assertEquals(List.of(alias), manager.loadedModels(), "the idle least recently used model goes");
            assertTrue(first.isClosed());
            assertThrows(IllegalStateException.class, a1::model);
            assertEquals(quickJfk, b.model().transcribe(jfk, QUICK).toList());
            b.close();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!manager.loadedModels().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(manager.loadedModels().isEmpty(), "idle past the TTL: closed");
        }
    }

    @Test
    void modelManagerUnloadRefusesAHeldModel() {
        String dir = TestSupport.modelDir().toString();
        try (ModelManager manager = new ModelManager(2, Duration.ofMinutes(5), INT8)) {
            assertFalse(manager.unload(dir), "not loaded: nothing to unload");
            ModelManager.Lease lease = manager.acquire(dir);
            WhisperModel model = lease.model();
            assertThrows(dev.ct2j.engine.ModelBusyException.class, () -> manager.unload(dir));
            assertFalse(model.isClosed(), "a refused unload leaves the model to its holder");
            lease.close();
            assertTrue(manager.unload(dir));
            assertTrue(model.isClosed());
            assertTrue(manager.loadedModels().isEmpty());
        }
    }

    @Test
    void oneModelServesEightThreadsWithSequentialResults() throws Throwable {
        float[][] audio = {jfk, AudioDecoder.decode(TestSupport.data("hotwords.mp3")),
                AudioDecoder.decodeStereo(TestSupport.data("stereo_diarization.wav")).left()};
        ModelOptions parallel = INT8.toBuilder().intraThreads(1).interThreads(2).build();
        try (WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(), parallel)) {
            List<List<Segment>> expected = new ArrayList<>();
            for (float[] a : audio) {
                expected.add(model.transcribe(a, QUICK).toList());
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                // A first round lets each thread's malloc arena and the workers' caches settle;
                // growth is measured over the next 8 x 20.
                runConcurrently(pool, model, audio, expected, 1);
                long rssBefore = trimmedRssMb();
                runConcurrently(pool, model, audio, expected, 20);
                long growth = trimmedRssMb() - rssBefore;
                assertTrue(growth < 32, "RSS grew by " + growth + " MB over 160 concurrent transcriptions");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void runConcurrently(ExecutorService pool, WhisperModel model, float[][] audio,
                                        List<List<Segment>> expected, int perThread) throws Exception {
        List<Future<?>> jobs = new ArrayList<>();
        for (int thread = 0; thread < 8; thread++) {
            int offset = thread;
            jobs.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    int which = (offset + i) % audio.length;
                    assertEquals(expected.get(which), model.transcribe(audio[which], QUICK).toList());
                }
                return null;
            }));
        }
        for (Future<?> job : jobs) {
            job.get(10, TimeUnit.MINUTES);
        }
    }

    /** RSS after glibc has returned its free pages (malloc_trim), so that only live memory counts. */
    static long trimmedRssMb() throws Throwable {
        var linker = java.lang.foreign.Linker.nativeLinker();
        var trim = linker.downcallHandle(linker.defaultLookup().find("malloc_trim").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_LONG));
        System.gc();
        int ignored = (int) trim.invokeExact(0L);
        return rssMb();
    }

    static long rssMb() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
