package dev.ct2j.cli;

import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.SubtitleOptions;
import dev.ct2j.output.Transcript;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Output files appear whole or not at all: each is written to a hidden temporary file in the same
 * folder (so the rename stays on one file system) and renamed over the final name. A run killed
 * at any point leaves at most a {@code .*.tmp} file, never a truncated file under a final name.
 */
final class AtomicOutput {
    /** Test hook: pause this long half-way through each file, so a test can kill the run mid-write. */
    private static final long PAUSE_MILLIS = Long.getLong("ct2j.test.writePauseMillis", 0);

    private AtomicOutput() {}

    static Path write(OutputFormat format, Transcript transcript, Path outputDir, String audioName,
                      SubtitleOptions subtitles, boolean prettyJson) throws IOException {
        Path target = format.outputPath(outputDir, audioName);
        // Not Files.createTempFile: that makes the file 0600, and the output should get the umask's mode.
        Path temp = outputDir.resolve("." + target.getFileName() + "."
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean done = false;
        try {
            StringWriter text = new StringWriter();
            format.writer(subtitles, prettyJson).write(transcript, text);
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            try (var channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int half = PAUSE_MILLIS > 0 ? bytes.length / 2 : bytes.length;
                channel.write(java.nio.ByteBuffer.wrap(bytes, 0, half));
                if (PAUSE_MILLIS > 0) {
                    channel.force(false);
                    sleep();
                }
                channel.write(java.nio.ByteBuffer.wrap(bytes, half, bytes.length - half));
                // The rename must not be seen before the data: a crash after it would show an empty file.
                channel.force(false);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            return target;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing");
        }
    }
}
