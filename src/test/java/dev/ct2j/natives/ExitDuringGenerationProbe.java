package dev.ct2j.natives;

import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Child JVM of {@link ProcessExitTest}: starts a long transcription on a thread and, once its
 * native generate runs, ends the JVM with {@code Runtime.halt(3)} or {@code System.exit(3)}.
 * Args: halt|exit, model directory, audio file.
 */
public final class ExitDuringGenerationProbe {
    // Held, so that the logger keeps its level and handler (JUL holds loggers weakly).
    private static final Logger LOG = Logger.getLogger("dev.ct2j");

    public static void main(String[] args) throws Throwable {
        String mode = args[0];
        CountDownLatch generating = new CountDownLatch(1);
        LOG.setLevel(Level.FINE);
        LOG.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                // SegmentGenerator logs this as it calls the native generate.
                if (record.getMessage() != null && record.getMessage().startsWith("generate:")) {
                    generating.countDown();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });

        NativeLibrary.ensureLoaded();
        slowExitHandler(); // before the model load: loading packs the weights with oneDNN's GEMM kernels
        WhisperModel model = WhisperModel.load(args[1], ModelOptions.builder().device(Device.CPU)
                .computeType("int8").intraThreads(2).build());
        // patience 1000: no beam is ever done, so every window decodes to its maximum length.
        TranscriptionOptions options = TranscriptionOptions.builder().language("en").beamSize(5).patience(1000)
                .temperatures(java.util.List.of(0.0)).build();
        Thread reader = new Thread(() -> {
            try (Transcription transcription = model.transcribe(Path.of(args[2]), options)) {
                for (Segment segment : transcription) {
                    System.out.println("segment " + segment.text());
                }
            } catch (RuntimeException e) {
                System.out.println("reader stopped: " + e.getMessage());
            }
        }, "reader");
        reader.setDaemon(true);
        reader.start();
        if (!generating.await(120, TimeUnit.SECONDS)) {
            System.out.println("no generate started");
            Runtime.getRuntime().halt(97);
        }
        // The log line comes just before the downcall (whose first use links a stub first): wait
        // until CTranslate2's pool runs the job, so that the exit meets a running generation.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (model.engine().activeBatches() == 0) {
            if (System.nanoTime() > deadline) {
                System.out.println("the generate never reached CTranslate2's pool");
                Runtime.getRuntime().halt(98);
            }
            Thread.sleep(1);
        }
        System.out.println("generating");
        System.out.flush();
        if (mode.equals("halt")) {
            Runtime.getRuntime().halt(3);
        } else {
            System.exit(3);
        }
    }

    /**
     * Registers libc's {@code sleep} as an on_exit handler, before anything builds oneDNN's JIT
     * kernels (the model load packs weights with them, the first encode and generate add more): exit handlers run last-registered first, so it runs after the
     * kernels' destructors unmapped their code and keeps the process alive (sleep(status): 3 s)
     * while the generation's worker threads still run that code. A crash, where the exit path
     * is unsafe, then shows every time rather than by chance. on_exit passes (status, arg);
     * sleep reads the first integer argument and ignores the second.
     */
    private static void slowExitHandler() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MemorySegment sleep = linker.defaultLookup().find("sleep").orElseThrow();
        var onExit = linker.downcallHandle(linker.defaultLookup().find("on_exit").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        int status = (int) onExit.invokeExact(sleep, MemorySegment.NULL);
        if (status != 0) {
            throw new IllegalStateException("on_exit failed: " + status);
        }
    }
}
