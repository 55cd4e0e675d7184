package dev.ct2j.cli;

import dev.ct2j.models.DownloadProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The progress bars on stderr (me.tongfei:progressbar), shown only on a terminal. */
final class Progress {
    private Progress() {}

    private static ProgressBarBuilder builder(String task, long max) {
        // The stream is the JVM's stderr: fd 2 in every launch (the launcher swaps 1 and 3 only).
        PrintStream err = System.err;
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err, width()))
                .setUpdateIntervalMillis(250).continuousUpdate();
    }

    private static int width() {
        // One column short: a line as wide as the terminal wraps before the carriage return.
        return Math.max(40, Terminal.stderrColumns(100) - 1);
    }

    /** Audio seconds done out of the total, the speed in times real time, elapsed and ETA. */
    static final class Audio implements AutoCloseable {
        private final ProgressBar bar;
        private final long startNanos = System.nanoTime();
        private final double total;
        // Read by the library's render thread (the ETA) without a lock: close() waits for that thread.
        private volatile double done;

        Audio(String name, double totalSeconds) {
            this.total = totalSeconds;
            this.bar = builder(shorten(name), Math.max(1, (long) Math.ceil(totalSeconds))).setUnit(" s", 1)
                    .setEtaFunction(state -> eta()).build();
        }

        void advanceTo(double seconds) {
            done = Math.min(total, Math.max(done, seconds));
            bar.stepTo(done >= total ? bar.getMax() : (long) Math.floor(done));
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            if (elapsed > 0 && done > 0) {
                bar.setExtraMessage(String.format(Locale.ROOT, "%.1fx real time", done / elapsed));
            }
        }

        private java.util.Optional<Duration> eta() {
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            double done = this.done;
            if (done <= 0) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(Duration.ofMillis((long) ((total - done) * elapsed / done * 1000)));
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** One bar per downloaded file of a MiB or more (the small JSON files would only flicker), in MiB. */
    static final class Download implements DownloadProgress {
        private static final long SMALL = 1 << 20;
        // The library reports a file once more when it is complete: that must not draw a second bar.
        private final java.util.Set<String> finished = new java.util.HashSet<>();
        private ProgressBar bar;
        private String file;

        @Override
        public synchronized void update(String name, long bytesDone, long totalBytes) {
            if (finished.contains(name) || (totalBytes >= 0 && totalBytes < SMALL)) {
                return;
            }
            if (bar == null || !name.equals(file)) {
                if (bar != null) {
                    bar.close();
                }
                file = name;
                bar = builder(shorten(name), Math.max(1, totalBytes)).setUnit(" MiB", SMALL).showSpeed().build();
            }
            if (totalBytes > 0) {
                bar.maxHint(totalBytes);
            }
            bar.stepTo(bytesDone);
            if (totalBytes >= 0 && bytesDone >= totalBytes) {
                bar.close();
                bar = null;
                file = null;
                finished.add(name);
            }
        }
    }

    private static String shorten(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        return base.length() <= 24 ? base : base.substring(0, 21) + "...";
    }
}
