package dev.ct2j.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether stderr is a terminal. The launcher swaps the JVM's fds (fd 1 is stderr, the real stdout
 * is fd 3), so {@code System.console()} answers for the wrong descriptor: ask the C library about
 * fd 2 itself.
 */
final class Terminal {
    private Terminal() {}

    private static final long TIOCGWINSZ = 0x5413;

    /** stderr's terminal width in columns, or {@code fallback} when it cannot be told. */
    static int stderrColumns(int fallback) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));
            // struct winsize: unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel.
            java.lang.foreign.MemorySegment size = arena.allocate(8, 2);
            int rc = (int) ioctl.invokeExact(2, TIOCGWINSZ, size);
            int columns = Short.toUnsignedInt(size.get(ValueLayout.JAVA_SHORT, 2));
            return rc == 0 && columns > 0 ? columns : fallback;
        } catch (Throwable e) {
            return fallback;
        }
    }

    static boolean stderrIsTerminal() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable e) {
            return false;
        }
    }
}
