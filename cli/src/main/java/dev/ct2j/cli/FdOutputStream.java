package dev.ct2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Writes to an inherited file descriptor with the C library's {@code write}. The launcher hands
 * the real stdout to the JVM as fd 3 and points fd 1 at stderr, because HotSpot prints its
 * fatal-error banner on fd 1 whatever {@code -XX:+DisplayVMOutputToStderr} says: this way a
 * crash can never corrupt a transcript piped from stdout.
 */
final class FdOutputStream extends OutputStream {
    private static final int EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle WRITE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    private final int fd;

    FdOutputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, length));
            MemorySegment.copy(bytes, offset, buffer, ValueLayout.JAVA_BYTE, 0, length);
            MemorySegment state = arena.allocate(CALL_STATE);
            long done = 0;
            while (done < length) {
                long n = (long) WRITE.invokeExact(state, fd, buffer.asSlice(done), (long) length - done);
                if (n >= 0) {
                    done += n;
                } else if ((int) ERRNO.get(state, 0L) != EINTR) {
                    throw new IOException("write to file descriptor " + fd + " failed (errno "
                            + (int) ERRNO.get(state, 0L) + ")");
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
